import json, sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                  config=Config(s3={"addressing_style": "path"}))
out = s3.list_objects_v2(Bucket="deliveries", Prefix=sys.argv[2])
print(json.dumps({"EncodingType": out.get("EncodingType"), "Prefix": out.get("Prefix"),
                  "Contents": [[o["Key"], o.get("StorageClass")] for o in out.get("Contents", [])]}))
