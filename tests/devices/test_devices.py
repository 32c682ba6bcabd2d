"""Autopilot through Partner Center for a related partner (device batches, devices, upload status, configuration
policies) and Azure fraud events, in the shapes of Partner Center's documented examples."""

import uuid

from tests.world import World

# The documented request body, as the .NET SDK serializes it.
DEVICE = {
    "Id": None,
    "SerialNumber": "1R9-ZNP67",
    "ProductKey": "00329-00000-0003-AA606",
    "HardwareHash": "DummyHash123",
    "Policies": None,
    "CreatedBy": None,
    "UploadedDate": "0001-01-01T00:00:00",
    "AllowedOperations": None,
    "Attributes": {"ObjectType": "Device"},
}
BATCH = {
    "BatchId": "SDKTestDeviceBatch",
    "Devices": [DEVICE],
    "Attributes": {"ObjectType": "DeviceBatchCreationRequest"},
}
POLICY = {
    "name": "Windows 10 Enterprise E5",
    "category": "o_o_b_e",
    "description": "test policy creation from API",
    "policySettings": ["oobe_user_not_local_admin", "skip_express_settings"],
}


async def test_a_device_batch_is_created_listed_filled_and_emptied(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    base = f"/v1/customers/{customer['id']}"
    r = await partner.post(f"{base}/deviceBatches", json=BATCH)
    assert r.status_code == 202, r.text
    location = r.headers["Location"]
    assert location.startswith(f"/customers/{customer['id']}/batchJobStatus/")
    status = await partner.get(f"/v1{location}")
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "finished"
    assert r.json() == status.json()

    again = await partner.post(f"{base}/deviceBatches", json=BATCH)
    assert again.status_code == 409
    first = await partner.get(f"{base}/deviceBatches/SDKTestDeviceBatch/devices")
    assert first.status_code == 200, first.text

    more = [
        {"productKey": "00329-00000-0003-AA999"},
        {"serialNumber": "X-1", "oemManufacturerName": "Contoso", "modelName": "Book 3"},
        {"hardwareHash": "DummyHash123"},  # already uploaded: refused in its status line
    ]
    r = await partner.post(f"{base}/deviceBatches/SDKTestDeviceBatch/devices", json=more)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "finished_with_errors"
    assert [d["status"] for d in r.json()["devicesStatus"]] == ["finished", "finished", "finished_with_errors"]
    unidentified = await partner.post(f"{base}/deviceBatches/SDKTestDeviceBatch/devices", json=[{"modelName": "x"}])
    assert unidentified.status_code == 400

    batches = await partner.get(f"{base}/deviceBatches")
    assert batches.status_code == 200, batches.text
    assert batches.json()["items"][0]["id"] == "SDKTestDeviceBatch"
    assert batches.json()["items"][0]["devicesCount"] == 3

    devices = await partner.get(f"{base}/deviceBatches/SDKTestDeviceBatch/devices")
    assert devices.status_code == 200, devices.text
    assert devices.json()["totalCount"] == 3
    device_id = devices.json()["items"][0]["id"]
    gone = await world.http.delete(
        f"{base}/deviceBatches/SDKTestDeviceBatch/devices/{device_id}",
        headers={"Authorization": f"Bearer {await partner.app_token()}"},
    )
    assert gone.status_code == 204, gone.text
    assert (await partner.get(f"{base}/deviceBatches/SDKTestDeviceBatch/devices")).json()["totalCount"] == 2
    assert (await partner.get(f"{base}/deviceBatches/nope/devices")).status_code == 404


async def test_configuration_policies_are_created_read_replaced_and_deleted(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    base = f"/v1/customers/{customer['id']}/policies"
    r = await partner.post(base, json=POLICY)
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["policySettings"] == POLICY["policySettings"]
    listed = (await partner.get(base)).json()
    assert [p["id"] for p in listed["items"]] == [created["id"]]
    read = await partner.get(f"{base}/{created['id']}")
    assert read.json() == created

    token = await partner.app_token()
    auth = {"Authorization": f"Bearer {token}"}
    replaced = await world.http.put(
        f"{base}/{created['id']}", headers=auth, json=created | {"policySettings": ["skip_eula"]}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["policySettings"] == ["skip_eula"]
    assert (await partner.post(base, json=POLICY | {"policySettings": ["fly"]})).status_code == 400
    assert (await world.http.delete(f"{base}/{created['id']}", headers=auth)).status_code == 204
    assert (await partner.get(f"{base}/{created['id']}")).status_code == 404


async def test_fraud_events_are_empty_until_the_operator_raises_one(world: World) -> None:
    partner = await world.direct_bill_partner()
    customer = (await partner.create_customer()).json()
    r = await partner.get("/v1/fraudEvents")
    assert r.status_code == 200, r.text
    assert r.json() == []
    subscription = str(uuid.uuid4())
    alert = {"partnerTenantId": partner.id, "customerTenantId": customer["id"], "subscriptionId": subscription}
    raised = await world.sim("POST", "/fraudEvents", json=alert | {"hitCount": 10})
    assert raised.status_code == 201, raised.text
    events = (await partner.get("/v1/fraudEvents")).json()
    assert events[0]["subscriptionId"] == subscription
    assert events[0]["hitCount"] == "10"
    assert events[0]["eventStatus"] == "Active"
    filtered = await partner.get("/v1/fraudEvents", params={"EventStatus": "Resolved", "SubscriptionId": subscription})
    assert filtered.json() == []
    stranger = await world.direct_bill_partner()
    assert (await stranger.get("/v1/fraudEvents")).json() == []
    unrelated = await world.sim("POST", "/fraudEvents", json=alert | {"partnerTenantId": stranger.id})
    assert unrelated.status_code == 404
    assert (await world.sim("POST", "/fraudEvents", json={})).status_code == 400
