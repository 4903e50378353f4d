# A Firehose transform that writes, for each record, the Kinesis fields of
# its event (sourceKinesisStreamArn and kinesisRecordMetadata) next to its
# data, one JSON line per record.
import base64
import json


def handler(event, context):
    out = []
    for r in event["records"]:
        m = r.get("kinesisRecordMetadata", {})
        line = {
            "data": base64.b64decode(r["data"]).decode(),
            "source": event.get("sourceKinesisStreamArn"),
            "shardId": m.get("shardId"),
            "partitionKey": m.get("partitionKey"),
            "sequenceNumber": m.get("sequenceNumber"),
            "subsequenceNumber": m.get("subsequenceNumber"),
            "arrivalIsInt": isinstance(m.get("approximateArrivalTimestamp"), int),
        }
        out.append({"recordId": r["recordId"], "result": "Ok",
                    "data": base64.b64encode((json.dumps(line, sort_keys=True) + "\n").encode()).decode()})
    return {"records": out}
