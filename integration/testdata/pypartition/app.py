"""A Firehose transform that partitions: each record is a JSON object; the
answer keeps it as it is, with metadata.partitionKeys customer and year
(records without a customer get no customer key)."""
import base64
import json


def handler(event, context):
    out = []
    for r in event["records"]:
        data = base64.b64decode(r["data"])
        doc = json.loads(data)
        keys = {"year": str(doc.get("year", "none"))}
        if "customer" in doc:
            keys["customer"] = doc["customer"]
        out.append({"recordId": r["recordId"], "result": "Ok",
                    "data": base64.b64encode(data).decode(),
                    "metadata": {"partitionKeys": keys}})
    return {"records": out}
