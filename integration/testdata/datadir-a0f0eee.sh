#!/bin/sh
# Makes datadir-a0f0eee.tar.gz: a --data-dir written by firehose-local at
# commit a0f0eee (the last release before the state store), for the
# migration test (integration/migration_test.go).
#
#   git worktree add /tmp/old a0f0eee && (cd /tmp/old && go build -o /tmp/firehose-local-old .)
#   integration/testdata/datadir-a0f0eee.sh /tmp/firehose-local-old integration/testdata/datadir-a0f0eee.tar.gz
#
# Everything is made through the AWS CLI (v1 or v2) against the old binary:
# a bucket; a Python transform function "upper" (testdata/pytransform/app.py,
# with a description, an environment variable and a tag), invoked once; a
# log group /app/orders with tags and 30-day retention, a stream "web" with
# three events; a delivery stream "orders" (Lambda processor "upper", buffers
# of 900 s, tags, SSE with an AWS-owned key) and three records put into it.
# Then the server is killed with SIGKILL: the records stay acknowledged and
# undelivered in the write-ahead log.
set -eu
bin=$(realpath "$1")
out=$(realpath -m "$2")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
ep="--endpoint-url http://127.0.0.1:$port"
raw=""
case "$(aws --version 2>&1)" in aws-cli/2*) raw="--cli-binary-format raw-in-base64-out" ;; esac

"$bin" --listen 127.0.0.1:$port --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/_local/health" >/dev/null; do sleep 0.1; done

aws $ep s3api create-bucket --bucket deliveries >/dev/null
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.write(sys.argv[2], "app.py"); z.close()' \
  "$work/fn.zip" "$here/pytransform/app.py"
aws $ep lambda create-function --function-name upper --runtime python3.12 --handler app.handler \
  --role arn:aws:iam::000000000000:role/lambda --description "upper-cases records" \
  --environment 'Variables={GREETING=hello}' --tags team=data --zip-file "fileb://$work/fn.zip" >/dev/null
aws $ep lambda invoke --function-name upper $raw \
  --payload '{"invocationId":"i","deliveryStreamArn":"arn:aws:firehose:us-east-1:000000000000:deliverystream/x","region":"us-east-1","records":[{"recordId":"1","approximateArrivalTimestamp":0,"data":"aGk="}]}' \
  "$work/out.json" >/dev/null

aws $ep logs create-log-group --log-group-name /app/orders --tags team=data
aws $ep logs put-retention-policy --log-group-name /app/orders --retention-in-days 30
aws $ep logs create-log-stream --log-group-name /app/orders --log-stream-name web
now=$(python3 -c 'import time; print(int(time.time()*1000))')
aws $ep logs put-log-events --log-group-name /app/orders --log-stream-name web \
  --log-events "timestamp=$now,message=first" "timestamp=$((now+1)),message=second" "timestamp=$((now+2)),message=third" >/dev/null

aws $ep firehose create-delivery-stream --delivery-stream-name orders \
  --delivery-stream-encryption-configuration-input KeyType=AWS_OWNED_CMK \
  --tags Key=team,Value=data Key=env,Value=test \
  --extended-s3-destination-configuration '{"RoleARN":"arn:aws:iam::000000000000:role/firehose",
    "BucketARN":"arn:aws:s3:::deliveries","Prefix":"orders/","BufferingHints":{"SizeInMBs":128,"IntervalInSeconds":900},
    "ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[
      {"ParameterName":"LambdaArn","ParameterValue":"arn:aws:lambda:us-east-1:000000000000:function:upper"},
      {"ParameterName":"BufferIntervalInSeconds","ParameterValue":"900"}]}]}}' >/dev/null
aws $ep firehose put-record-batch --delivery-stream-name orders $raw \
  --records '[{"Data":"one\n"},{"Data":"two\n"},{"Data":"three\n"}]' >/dev/null

kill -9 $pid
wait $pid 2>/dev/null || true
tar -C "$work/data" -czf "$out" .
echo "log events at $now, $((now+1)), $((now+2)) (ms)"
ls -la "$out"
tar -tzvf "$out"
