"""A record put with boto3 arrives in the bucket: put-record, flush, get."""
import urllib.request

import boto3

# Any credentials and region: firehose-local does not check them unless it
# runs with --auth sigv4.
AWS = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def flush(endpoint, stream):
    """Deliver what the stream buffers; answers once the objects are written."""
    req = urllib.request.Request(f"{endpoint}/_local/flush?stream={stream}", method="POST")
    urllib.request.urlopen(req, timeout=60).read()


def test_record_arrives_in_s3(endpoint):
    s3 = boto3.client("s3", endpoint_url=endpoint, **AWS)
    firehose = boto3.client("firehose", endpoint_url=endpoint, **AWS)

    s3.create_bucket(Bucket="landing")
    firehose.create_delivery_stream(
        DeliveryStreamName="orders",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::000000000000:role/firehose",
            "BucketARN": "arn:aws:s3:::landing",
        },
    )
    firehose.put_record(DeliveryStreamName="orders", Record={"Data": b'{"id":1}\n'})
    flush(endpoint, "orders")

    objects = s3.list_objects_v2(Bucket="landing")["Contents"]
    assert len(objects) == 1
    body = s3.get_object(Bucket="landing", Key=objects[0]["Key"])["Body"].read()
    assert body == b'{"id":1}\n'


def test_each_test_starts_clean(endpoint):
    # The endpoint fixture reset the server after the test above.
    firehose = boto3.client("firehose", endpoint_url=endpoint, **AWS)
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []
    s3 = boto3.client("s3", endpoint_url=endpoint, **AWS)
    assert s3.list_buckets()["Buckets"] == []
