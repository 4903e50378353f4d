"""Python test handlers for lambdarunner."""
import logging
import os
import time

logger = logging.getLogger()
print("app module loaded")


def handler(event, context):
    print("hello from python")
    logger.warning("a warning with %s", "args")
    identity = context.identity
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "cognito_identity_id": identity.cognito_identity_id if identity else None,
        "client_context_custom": context.client_context.custom if context.client_context else None,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "pid": os.getpid(),
        "env": dict(os.environ),
    }


def _inner(value):
    raise ValueError("bad value: %s" % value)


def fail(event, context):
    _inner(event.get("value"))


def returns_bytes(event, context):
    return b"\x00raw bytes\xff"


def not_serializable(event, context):
    return {1, 2, 3}


def sleepy(event, context):
    print("sleeping")
    time.sleep(60)


def exits(event, context):
    os._exit(7)
