# Functions that behave as those of LocalStack's recorded Lambda tests
# (lambda_echo, lambda_none, lambda_handler_error, a sleeping one), written
# here from their described behaviour.
import json
import time


def echo(event, context):
    print(json.dumps(event))
    return event


def none(event, context):
    print(json.dumps(event))


def fails(event, context):
    raise Exception("Handler fails")


def sleeps(event, context):
    time.sleep(event.get("wait", 0))
    return event
