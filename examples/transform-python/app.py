"""A Firehose transform, as you would deploy it to AWS Lambda (python3.12).

Each record is upper-cased; records that start with "drop" are Dropped.
Run it through firehose-local (see the README's transform section):

    go run . --function upper=./examples/transform-python:python3.12:app.handler
"""
import base64


def handler(event, context):
    out = []
    for record in event["records"]:
        data = base64.b64decode(record["data"])
        result = "Dropped" if data.startswith(b"drop") else "Ok"
        print(f"record {record['recordId']}: {result}")
        out.append({
            "recordId": record["recordId"],
            "result": result,
            "data": base64.b64encode(data.upper()).decode(),
        })
    return {"records": out}
