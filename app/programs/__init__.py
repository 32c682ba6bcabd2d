"""Partner programs: the partner profile, enrollments, partner agreements, service requests.

profile (legal name, address, contact, PartnerID) ── programs: [{program, status}]
"""
