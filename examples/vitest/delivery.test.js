// A record put with the AWS SDK for JavaScript v3 arrives in the bucket:
// PutRecord, flush, GetObject.
import { afterEach, expect, inject, test } from "vitest";
import {
  CreateDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  PutRecordCommand,
} from "@aws-sdk/client-firehose";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";

const endpoint = inject("firehoseLocalEndpoint");
// Any credentials and region: firehose-local does not check them unless it
// runs with --auth sigv4. S3 by path (http://host/bucket/key).
const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const firehose = new FirehoseClient(config);
const s3 = new S3Client({ ...config, forcePathStyle: true });

async function admin(path) {
  const res = await fetch(endpoint + path, { method: "POST" });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

// Every test starts with an empty server.
afterEach(() => admin("/_local/reset"));

test("a record arrives in S3", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "landing" }));
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "orders",
      ExtendedS3DestinationConfiguration: {
        RoleARN: "arn:aws:iam::000000000000:role/firehose",
        BucketARN: "arn:aws:s3:::landing",
      },
    }),
  );
  await firehose.send(
    new PutRecordCommand({
      DeliveryStreamName: "orders",
      Record: { Data: new TextEncoder().encode('{"id":1}\n') },
    }),
  );
  await admin("/_local/flush?stream=orders"); // answers once the objects are written

  const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: "landing" }));
  expect(Contents).toHaveLength(1);
  const object = await s3.send(new GetObjectCommand({ Bucket: "landing", Key: Contents[0].Key }));
  expect(await object.Body.transformToString()).toBe('{"id":1}\n');
});

test("each test starts clean", async () => {
  // afterEach reset the server after the test above.
  const { DeliveryStreamNames } = await firehose.send(new ListDeliveryStreamsCommand({}));
  expect(DeliveryStreamNames).toEqual([]);
  const { Buckets } = await s3.send(new ListBucketsCommand({}));
  expect(Buckets ?? []).toEqual([]);
});
