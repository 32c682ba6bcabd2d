"""The catalog in Partner Center's new-commerce shape: products -> SKUs -> availabilities.

A catalog item is `productId:skuId:availabilityId`; its terms (P1M, P1Y, P3Y) carry the billing cycles they
allow and a list price per country. The catalog is reference data, the same in every sandbox.
"""
