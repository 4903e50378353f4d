import os


def handler(event, context):
    return {"stage": os.environ.get("STAGE"), "region": os.environ.get("AWS_REGION")}
