package main

// The Redshift bench (-redshift): records/s delivered into PostgreSQL
// through the Redshift destination — PutRecordBatch over HTTP, buffering,
// the object staged in the built-in S3 and its manifest, the COPY read
// back, translated (JSON 'auto' and '|'-delimited text) and loaded with
// COPY … FROM STDIN — against, in the same command, a plain COPY … FROM
// STDIN of the same rows with pgx (PostgreSQL's own limit), and the JSON
// records through a stream to S3 only (the HTTP path's own limit). Each round
// puts a fixed number of records and flushes; the time runs from the first
// put to the flush's return (every COPY done). The PostgreSQL server is
// started for the bench with initdb and pg_ctl (internal/testtool).
//
// On a shared machine wall-clock rates swing with the other load, so each
// run is also measured in records per CPU-second: the CPU time of every
// process involved (this client, firehose-local, the PostgreSQL server's
// processes) over the run.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

const redshiftTable = "bench_rows"

// redshiftFormats are the streams the bench loads through: the records
// and the CopyOptions of each.
var redshiftFormats = []struct{ name, options string }{
	{"json", "JSON 'auto' TIMEFORMAT 'auto'"},
	{"text", "DELIMITER '|'"},
}

// redshiftRecord is row i as a JSON record and as a '|'-delimited line,
// and the row in PostgreSQL's COPY text format.
func redshiftRecord(i int) (jsonRec, textRec, pgRow []byte) {
	name := fmt.Sprintf("user-%07d", i)
	country := [4]string{"DE", "FR", "US", "JP"}[i%4]
	qty := i % 100
	price := float64(i%1000) + 0.25
	created := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond).Format("2006-01-02 15:04:05.000")
	active := i%3 == 0
	jsonRec = fmt.Appendf(nil, `{"id":%d,"name":%q,"country":%q,"qty":%d,"price":%g,"created":%q,"active":%t}`+"\n", i, name, country, qty, price, created, active)
	textRec = fmt.Appendf(nil, "%d|%s|%s|%d|%g|%s|%t\n", i, name, country, qty, price, created, active)
	pgRow = fmt.Appendf(nil, "%d\t%s\t%s\t%d\t%g\t%s\t%t\n", i, name, country, qty, price, created, active)
	return jsonRec, textRec, pgRow
}

func runRedshift(o options, bin string) error {
	pgBin, err := testtool.FindPostgres()
	if err != nil {
		return fmt.Errorf("-redshift needs PostgreSQL (%s): %w", testtool.PostgresInstall, err)
	}
	pg, err := testtool.StartPostgresIn(pgBin)
	if err != nil {
		return err
	}
	defer pg.Stop()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN(""))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE `+redshiftTable+` (id bigint, name varchar(32), country char(2), qty int, price double precision, created timestamp, active boolean)`); err != nil {
		return err
	}
	p, err := startFirehoseLocal(bin, "--log-level", "error")
	if err != nil {
		return err
	}
	defer p.stop(30 * time.Second)
	cfg := awsConfig(p.url, slices.Max(o.workers))
	if err := createRedshiftStreams(ctx, cfg, pg, o.redshiftBufferMB); err != nil {
		return err
	}
	n := o.redshiftRecords
	batches := map[string][][]types.Record{}
	var pgRows bytes.Buffer
	bytesIn := map[string]int{}
	for i := 0; i < n; i += o.records {
		var js, txt []types.Record
		for j := i; j < min(i+o.records, n); j++ {
			jr, tr, row := redshiftRecord(j)
			js = append(js, types.Record{Data: jr})
			txt = append(txt, types.Record{Data: tr})
			pgRows.Write(row)
			bytesIn["json"] += len(jr)
			bytesIn["text"] += len(tr)
		}
		batches["json"] = append(batches["json"], js)
		batches["text"] = append(batches["text"], txt)
	}
	client := firehose.NewFromConfig(cfg)
	pipe := map[string]map[int][]float64{"json": {}, "text": {}, "s3": {}}
	limit := map[int][]float64{}
	pipeCPU := map[string]map[int][]float64{"json": {}, "text": {}, "s3": {}}
	limitCPU := map[int][]float64{}
	postmaster := pg.PostmasterPID()
	cpu := func(fl bool) time.Duration {
		d := selfCPU() + treeCPU(postmaster)
		if fl {
			d += cpuTime(p.pid())
		}
		return d
	}
	truncate := func() error {
		_, err := conn.Exec(ctx, "TRUNCATE "+redshiftTable)
		return err
	}
	count := func() (int, error) {
		var c int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM "+redshiftTable).Scan(&c)
		return c, err
	}
	for round := 1; round <= o.rounds; round++ {
		for _, w := range o.workers {
			through := func(format string) error {
				if err := truncate(); err != nil {
					return err
				}
				c0 := cpu(true)
				t0 := time.Now()
				stream, recs := "redshift-"+format, batches[format]
				if format == "s3" {
					stream, recs = "s3-json", batches["json"]
				}
				if err := putAll(ctx, client, stream, recs, w); err != nil {
					return err
				}
				if err := flush(p.url); err != nil {
					return err
				}
				rate := float64(n) / time.Since(t0).Seconds()
				pipeCPU[format][w] = append(pipeCPU[format][w], float64(n)/(cpu(true)-c0).Seconds())
				if format == "s3" {
					pipe[format][w] = append(pipe[format][w], rate)
					logf("round %d  s3 only   %d workers: %.0f records/s", round, w, rate)
					return nil
				}
				if c, err := count(); err != nil || c != n {
					return fmt.Errorf("%s: %d rows in the table after the round, want %d (%v)", format, c, n, err)
				}
				pipe[format][w] = append(pipe[format][w], rate)
				logf("round %d  redshift %-4s %d workers: %.0f records/s", round, format, w, rate)
				return nil
			}
			direct := func() error {
				if err := truncate(); err != nil {
					return err
				}
				c0 := cpu(false)
				t0 := time.Now()
				if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(pgRows.Bytes()), "COPY "+redshiftTable+" FROM STDIN"); err != nil {
					return err
				}
				rate := float64(n) / time.Since(t0).Seconds()
				limitCPU[w] = append(limitCPU[w], float64(n)/(cpu(false)-c0).Seconds())
				if c, err := count(); err != nil || c != n {
					return fmt.Errorf("COPY FROM STDIN: %d rows, want %d (%v)", c, n, err)
				}
				limit[w] = append(limit[w], rate)
				logf("round %d  COPY FROM STDIN alone: %.0f records/s", round, rate)
				return nil
			}
			steps := []func() error{func() error { return through("json") }, func() error { return through("text") }, direct,
				func() error { return through("s3") }}
			if round%2 == 0 {
				slices.Reverse(steps)
			}
			for _, s := range steps {
				if err := s(); err != nil {
					return err
				}
			}
		}
	}
	if err := noRedshiftErrors(ctx, cfg); err != nil {
		return err
	}
	printRedshift(os.Stdout, o, n, bytesIn, pipe, limit, "records/s")
	printRedshift(os.Stdout, o, n, bytesIn, pipeCPU, limitCPU, "records per CPU-second")
	return nil
}

// treeCPU is the CPU time of pid and its children (a PostgreSQL server:
// the postmaster and its backends).
func treeCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	total := cpuTime(pid)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			total += cpuTime(child)
		}
	}
	return total
}

func createRedshiftStreams(ctx context.Context, cfg aws.Config, pg *testtool.Postgres, bufferMB int) error {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(benchBucket)}); err != nil {
		return fmt.Errorf("CreateBucket: %w", err)
	}
	role := aws.String("arn:aws:iam::000000000000:role/firehose-bench")
	if _, err := firehose.NewFromConfig(cfg).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("s3-json"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{RoleARN: role, BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
			Prefix: aws.String("s3-only/"), BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(int32(bufferMB)), IntervalInSeconds: aws.Int32(60)}},
	}); err != nil {
		return fmt.Errorf("CreateDeliveryStream: %w", err)
	}
	for _, f := range redshiftFormats {
		_, err := firehose.NewFromConfig(cfg).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
			DeliveryStreamName: aws.String("redshift-" + f.name),
			RedshiftDestinationConfiguration: &types.RedshiftDestinationConfiguration{
				RoleARN:        role,
				ClusterJDBCURL: aws.String(fmt.Sprintf("jdbc:redshift://bench.abc123.us-east-1.redshift.localhost:%d/%s", pg.Port, pg.Database)),
				CopyCommand:    &types.CopyCommand{DataTableName: aws.String(redshiftTable), CopyOptions: aws.String(f.options)},
				Username:       aws.String(pg.User), Password: aws.String(pg.Password),
				RetryOptions: &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(0)},
				S3Configuration: &types.S3DestinationConfiguration{RoleARN: role, BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
					Prefix:         aws.String(f.name + "/"),
					BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(int32(bufferMB)), IntervalInSeconds: aws.Int32(60)}},
			},
		})
		if err != nil {
			return fmt.Errorf("CreateDeliveryStream: %w", err)
		}
	}
	return nil
}

// noRedshiftErrors checks that no COPY failed: no error manifest.
func noRedshiftErrors(ctx context.Context, cfg aws.Config) error {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, f := range redshiftFormats {
		out, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(benchBucket), Prefix: aws.String(f.name + "/errors/")})
		if err != nil {
			return err
		}
		if len(out.Contents) > 0 {
			return fmt.Errorf("%d error manifests: a COPY failed", len(out.Contents))
		}
	}
	return nil
}

func printRedshift(w io.Writer, o options, n int, bytesIn map[string]int, pipe map[string]map[int][]float64, limit map[int][]float64, unit string) {
	fmt.Fprintf(w, "\nIn %s: %d records per round (JSON %d bytes, text %d bytes each on average; 7 columns), %d per PutRecordBatch, staging buffer %d MiB, %d rounds; medians, range of the per-round ratios in brackets.\n\n",
		unit, n, bytesIn["json"]/max(n, 1), bytesIn["text"]/max(n, 1), o.records, o.redshiftBufferMB, o.rounds)
	fmt.Fprintln(w, "| workers | COPY FROM STDIN alone | Redshift path, JSON 'auto' | JSON / COPY alone | Redshift path, '\\|' text | text / COPY alone | JSON to S3 only | S3 only / COPY alone |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range o.workers {
		ratio := func(rates []float64) string {
			var rs []float64
			for i := range rates {
				rs = append(rs, rates[i]/limit[k][i])
			}
			return fmt.Sprintf("%.2f [%.2f–%.2f]", percentile(rs, 50), slices.Min(rs), slices.Max(rs))
		}
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %s | %.0f | %s | %.0f | %s |\n", k, percentile(limit[k], 50),
			percentile(pipe["json"][k], 50), ratio(pipe["json"][k]), percentile(pipe["text"][k], 50), ratio(pipe["text"][k]),
			percentile(pipe["s3"][k], 50), ratio(pipe["s3"][k]))
	}
}
