package integration_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// The Redshift destination against a real PostgreSQL, started once for
// these tests with initdb and pg_ctl on a free loopback port.

// redshiftDest is a Redshift destination whose JDBC URL names a Redshift
// host under .localhost (so it passes the model's pattern and reaches
// 127.0.0.1), staging in "deliveries" with zero buffering.
func redshiftDest(pg *testtool.Postgres, table, columns, options string) *types.RedshiftDestinationConfiguration {
	d := &types.RedshiftDestinationConfiguration{
		RoleARN:        aws.String(roleARN),
		ClusterJDBCURL: aws.String(fmt.Sprintf("jdbc:redshift://dev.abc123.us-east-1.redshift.localhost:%d/%s", pg.Port, pg.Database)),
		CopyCommand:    &types.CopyCommand{DataTableName: aws.String(table)},
		Username:       aws.String(pg.User),
		Password:       aws.String(pg.Password),
		S3Configuration: &types.S3DestinationConfiguration{
			RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), BufferingHints: hints(1, 0),
		},
	}
	if columns != "" {
		d.CopyCommand.DataTableColumns = aws.String(columns)
	}
	if options != "" {
		d.CopyCommand.CopyOptions = aws.String(options)
	}
	return d
}

func createRedshiftStream(t *testing.T, fh *firehose.Client, name string, d *types.RedshiftDestinationConfiguration) {
	t.Helper()
	if _, err := fh.CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), RedshiftDestinationConfiguration: d,
	}); err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
}

func pgExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// pgRows reads a query's rows as text, NULL as "<null>", one line per row
// with fields separated by " | ".
func pgRows(t *testing.T, conn *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := rows.RawValues()
		fields := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				fields[i] = "<null>"
			} else {
				fields[i] = string(v)
			}
		}
		out = append(out, strings.Join(fields, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// manifestURLs reads a COPY manifest's entries, checking each is mandatory.
func manifestURLs(t *testing.T, body []byte) []string {
	t.Helper()
	var m struct {
		Entries []struct {
			URL       string `json:"url"`
			Mandatory *bool  `json:"mandatory"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("manifest %q: %v", body, err)
	}
	var out []string
	for _, e := range m.Entries {
		if e.Mandatory == nil || !*e.Mandatory {
			t.Fatalf("manifest entry %s is not mandatory", e.URL)
		}
		out = append(out, e.URL)
	}
	return out
}

// stagedAndManifests splits the bucket's objects under prefix into staged
// objects, manifests and error manifests.
func stagedAndManifests(t *testing.T, env *emulatortest.Env, prefix string) (staged, manifests, errManifests []object) {
	t.Helper()
	for _, o := range objects(t, env, "deliveries") {
		rest, ok := strings.CutPrefix(o.key, prefix)
		switch {
		case !ok:
		case strings.HasPrefix(rest, "manifests/"):
			manifests = append(manifests, o)
		case strings.HasPrefix(rest, "errors/manifests/"):
			errManifests = append(errManifests, o)
		default:
			staged = append(staged, o)
		}
	}
	return staged, manifests, errManifests
}

// retryRedshiftUntil moves the clock to each pending retry until done reports true.
func retryRedshiftUntil(t *testing.T, clock *emulator.FakeClock, done func() bool) (waits []time.Duration) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("not done after retries %v", waits)
		}
		// A retry is waiting, or the attempt before it is still running.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := clock.BlockUntil(ctx, 1)
		cancel()
		if err != nil {
			continue
		}
		w, _ := clock.NextTimer()
		clock.Advance(w)
		waits = append(waits, w)
	}
	return waits
}

func TestRedshift(t *testing.T) {
	pg := testtool.StartPostgres(t)
	conn := pg.Connect(t)
	ctx := context.Background()

	t.Run("JSONAutoStagingManifestMetrics", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE events (id int, name varchar(20), ts timestamp, payload varchar(200), missing text)`)
		clock := emulator.NewFakeClock(t0)
		env := newEnv(t, emulator.Config{Clock: clock})
		createRedshiftStream(t, env.Firehose, "rs", redshiftDest(pg, "events", "", "json 'auto' timeformat 'epochsecs'"))
		putBatch(t, env.Firehose, "rs",
			[]byte(`{"id":1,"name":"ann","ts":1764066615,"payload":{"a":[1,2]}}`+"\n"),
			[]byte(`{"id":2,"name":"bob\ttab","ts":1764066616.5,"payload":"x\\y","Name":"ignored: case differs"}`),
			[]byte(` {"id":3,"name":null}`))
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT id, name, ts, payload, missing FROM events ORDER BY id`),
			`1 | ann | 2025-11-25 10:30:15 | {"a":[1,2]} | <null>`,
			"2 | bob\ttab | 2025-11-25 10:30:16.5 | x\\y | <null>",
			`3 | <null> | <null> | <null> | <null>`)
		staged, manifests, errs := stagedAndManifests(t, env, "")
		if len(staged) != 1 || len(manifests) != 1 || len(errs) != 0 {
			t.Fatalf("%d staged, %d manifests, %d error manifests", len(staged), len(manifests), len(errs))
		}
		if !regexp.MustCompile(`^2026/11/25/10/rs-1-2026-11-25-10-30-15-` + uuidRE + `$`).MatchString(staged[0].key) {
			t.Fatalf("staged key %s", staged[0].key)
		}
		if !strings.HasPrefix(string(staged[0].body), `{"id":1,"name":"ann"`) {
			t.Fatalf("staged object %q", staged[0].body)
		}
		if !regexp.MustCompile(`^manifests/2026/11/25/10/rs-2026-11-25-10-30-15-` + uuidRE + `$`).MatchString(manifests[0].key) {
			t.Fatalf("manifest key %s", manifests[0].key)
		}
		if urls := manifestURLs(t, manifests[0].body); len(urls) != 1 || urls[0] != "s3://deliveries/"+staged[0].key {
			t.Fatalf("manifest lists %v", urls)
		}
		m := scrape(t, env)
		labels := map[string]string{"delivery_stream": "rs"}
		for name, want := range map[string]float64{
			"firehose_delivery_to_redshift_records_total":  3,
			"firehose_delivery_to_redshift_success_total":  1,
			"firehose_delivery_to_redshift_attempts_total": 1,
			"firehose_delivery_to_s3_records_total":        3,
		} {
			if v, ok := value(m, name, labels); !ok || v != want {
				t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
			}
		}
		if v, _ := value(m, "firehose_delivery_to_redshift_bytes_total", labels); v < 100 {
			t.Errorf("DeliveryToRedshift.Bytes = %v", v)
		}
		page := consolePage(t, env, "/_local/ui/streams")
		if !strings.Contains(page, "DeliveryToRedshift: 3 records") || !strings.Contains(page, "Amazon Redshift") {
			t.Errorf("the console's stream view does not show the Redshift deliveries")
		}
	})

	t.Run("JSONPathsGzipColumns", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE nested (id bigint, city text, first_tag text, at timestamptz, note text DEFAULT 'kept')`)
		env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
		paths := `{"jsonpaths": ["$['id']", "$.address.city", "$.tags[0]", "$.at"]}`
		if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("deliveries"), Key: aws.String("config/paths.json"),
			Body: strings.NewReader(paths)}); err != nil {
			t.Fatal(err)
		}
		d := redshiftDest(pg, "public.nested", "id, city,first_tag, AT", "JSON 's3://deliveries/config/paths.json' GZIP TIMEFORMAT 'YYYY-MM-DD HH24:MI:SS'")
		d.S3Configuration.CompressionFormat = types.CompressionFormatGzip
		d.S3Configuration.Prefix = aws.String("stage/")
		createRedshiftStream(t, env.Firehose, "np", d)
		putBatch(t, env.Firehose, "np",
			[]byte(`{"id":10,"address":{"city":"Oslo","zip":"0150"},"tags":["a","b"],"at":"2026-01-02 03:04:05"}`),
			[]byte(`{"id":11,"tags":[],"at":"2026-01-02 03:04:06"}`))
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT id, city, first_tag, at AT TIME ZONE 'UTC', note FROM nested ORDER BY id`),
			`10 | Oslo | a | 2026-01-02 03:04:05 | kept`,
			`11 | <null> | <null> | 2026-01-02 03:04:06 | kept`)
		staged, manifests, _ := stagedAndManifests(t, env, "stage/")
		if len(staged) != 1 || len(manifests) != 1 || !strings.HasSuffix(staged[0].key, ".gz") {
			t.Fatalf("staged %v, manifests %d", staged, len(manifests))
		}
		zr, err := gzip.NewReader(bytes.NewReader(staged[0].body))
		if err != nil {
			t.Fatalf("staged object is not gzip: %v", err)
		}
		zr.Close()
	})

	t.Run("ZonelessTimestampIsUTC", func(t *testing.T) {
		pgExec(t, conn, `ALTER DATABASE dev SET timezone TO 'America/New_York'`)
		pgExec(t, conn, `CREATE TABLE zoned (at timestamptz)`)
		env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
		createRedshiftStream(t, env.Firehose, "tz", redshiftDest(pg, "zoned", "", "TIMEFORMAT 'auto'"))
		putBatch(t, env.Firehose, "tz", []byte("2026-01-02 03:04:05\n"), []byte("2026-01-02T03:04:05+01:00\n"))
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT at AT TIME ZONE 'UTC' FROM zoned ORDER BY at`), "2026-01-02 02:04:05", "2026-01-02 03:04:05")
	})

	t.Run("CSVAndDelimiter", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE people (name text, age int, born date, seen timestamp, tag varchar(3))`)
		env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
		createRedshiftStream(t, env.Firehose, "csv", redshiftDest(pg, "people", "name,age,born",
			"CSV IGNOREHEADER 1 DATEFORMAT 'MM/DD/YYYY'"))
		putBatch(t, env.Firehose, "csv", []byte("name,age,born\n"), []byte(`"Smith, ""Jo""",42,12/31/1999`+"\n"),
			[]byte("\"two\nlines\",,01/02/2003\n"))
		createRedshiftStream(t, env.Firehose, "tsv", redshiftDest(pg, "people", "name, age, seen, tag",
			`delimiter '\t' NULL AS 'nil' TIMEFORMAT 'DD.MM.YYYY HH24:MI:SS' EMPTYASNULL TRUNCATECOLUMNS`))
		putBatch(t, env.Firehose, "tsv", []byte("pipe|kept\t7\t24.12.2026 18:00:00\tlong\n"), []byte("\tnil\tnil\tab\n"))
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT name, age, born, seen, tag FROM people ORDER BY age NULLS LAST, name`),
			`pipe|kept | 7 | <null> | 2026-12-24 18:00:00 | lon`,
			`Smith, "Jo" | 42 | 1999-12-31 | <null> | <null>`,
			"two\nlines | <null> | 2003-01-02 | <null> | <null>",
			`<null> | <null> | <null> | <null> | ab`)
	})

	t.Run("FailingCopyRetriesThenErrorManifest", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE strict (id int NOT NULL, v text)`)
		clock := emulator.NewFakeClock(t0)
		env := newEnv(t, emulator.Config{Clock: clock})
		d := redshiftDest(pg, "no_such_table", "", "")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(600)}
		d.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/bad", "RedshiftDelivery")
		createRedshiftStream(t, env.Firehose, "bad", d)
		putBatch(t, env.Firehose, "bad", []byte("1|one\n"))
		waits := retryRedshiftUntil(t, clock, func() bool {
			_, _, errs := stagedAndManifests(t, env, "")
			return len(errs) > 0
		})
		waitDelivered(t, env)
		if len(waits) != 2 || waits[0] != 5*time.Minute || waits[1] != 5*time.Minute {
			t.Fatalf("retry waits %v, want two of 5 min within the 600 s RetryOptions", waits)
		}
		staged, manifests, errs := stagedAndManifests(t, env, "")
		if len(staged) != 1 || len(manifests) != 1 || len(errs) != 1 {
			t.Fatalf("%d staged, %d manifests, %d error manifests", len(staged), len(manifests), len(errs))
		}
		if !regexp.MustCompile(`^errors/manifests/2026/11/25/10/bad-2026-11-25-10-40-15-` + uuidRE + `$`).MatchString(errs[0].key) {
			t.Fatalf("error manifest key %s", errs[0].key)
		}
		if urls := manifestURLs(t, errs[0].body); len(urls) != 1 || urls[0] != "s3://deliveries/"+staged[0].key {
			t.Fatalf("error manifest lists %v", urls)
		}
		events := waitErrorEvents(t, env, "/aws/kinesisfirehose/bad", "RedshiftDelivery", "", 3)
		for _, e := range events {
			if e.ErrorCode != "Redshift.TableNotFound" || !strings.Contains(e.Message, "no_such_table") ||
				e.Destination != fmt.Sprintf("jdbc:redshift://dev.abc123.us-east-1.redshift.localhost:%d/dev", pg.Port) {
				t.Fatalf("error event %+v", e)
			}
		}
		m := scrape(t, env)
		if v, _ := value(m, "firehose_delivery_to_redshift_attempts_total", map[string]string{"delivery_stream": "bad"}); v != 3 {
			t.Errorf("attempts = %v, want 3", v)
		}
		if v, _ := value(m, "firehose_delivery_to_redshift_success_total", map[string]string{"delivery_stream": "bad"}); v != 0 {
			t.Errorf("success = %v, want 0", v)
		}

		// A bad row fails the whole COPY, one transaction: the good row is
		// not loaded either. RetryOptions 0: no retry.
		d = redshiftDest(pg, "strict", "", "")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(0)}
		d.S3Configuration.Prefix = aws.String("strict/")
		d.CloudWatchLoggingOptions = logging("/aws/kinesisfirehose/strict", "RedshiftDelivery")
		createRedshiftStream(t, env.Firehose, "strict", d)
		putBatch(t, env.Firehose, "strict", []byte("1|good\n"), []byte("two|bad\n"))
		waitDelivered(t, env)
		if rows := pgRows(t, conn, `SELECT * FROM strict`); len(rows) != 0 {
			t.Fatalf("rows loaded from a failed COPY: %v", rows)
		}
		_, _, errs = stagedAndManifests(t, env, "strict/")
		if len(errs) != 1 {
			t.Fatalf("%d error manifests", len(errs))
		}
		ev := waitErrorEvents(t, env, "/aws/kinesisfirehose/strict", "RedshiftDelivery", "", 1)
		if ev[0].ErrorCode != "Redshift.DataLoadFailed" || !strings.Contains(ev[0].Message, "two") {
			t.Fatalf("error event %+v", ev[0])
		}
		// A bad row after more than the translator's first chunk (256 KiB
		// already sent to PostgreSQL) still rolls back every row.
		d = redshiftDest(pg, "strict", "", "")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(0)}
		d.S3Configuration.Prefix = aws.String("big/")
		d.S3Configuration.BufferingHints = hints(5, 900)
		createRedshiftStream(t, env.Firehose, "big", d)
		for b := range 8 {
			recs := make([][]byte, 500)
			for i := range recs {
				recs[i] = fmt.Appendf(nil, "%d|%0100d\n", b*500+i, i)
			}
			putBatch(t, env.Firehose, "big", recs...)
		}
		putBatch(t, env.Firehose, "big", []byte("1|late row|extra field\n"))
		env.Flush(t, "big")
		waitDelivered(t, env)
		if rows := pgRows(t, conn, `SELECT count(*) FROM strict`); len(rows) != 1 || rows[0] != "0" {
			t.Fatalf("rows loaded from a failed COPY: %v", rows)
		}
		if _, _, errs := stagedAndManifests(t, env, "big/"); len(errs) != 1 {
			t.Fatalf("%d error manifests for the big batch", len(errs))
		}

		// A row with too many fields fails in the translation, named.
		putBatch(t, env.Firehose, "strict", []byte("1|a|b\n"))
		waitDelivered(t, env)
		ev = waitErrorEvents(t, env, "/aws/kinesisfirehose/strict", "RedshiftDelivery", "", 2)
		if ev[1].ErrorCode != "Redshift.DataLoadFailed" || !strings.Contains(ev[1].Message, "Extra column(s) found") {
			t.Fatalf("error event %+v", ev[1])
		}
	})

	t.Run("TableCreatedWhileRetrying", func(t *testing.T) {
		clock := emulator.NewFakeClock(t0)
		env := newEnv(t, emulator.Config{Clock: clock})
		d := redshiftDest(pg, "late", "", "")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(3600)}
		d.CloudWatchLoggingOptions = logging("late", "")
		createRedshiftStream(t, env.Firehose, "late", d)
		putBatch(t, env.Firehose, "late", []byte("loaded on the retry\n"))
		waitErrorEvents(t, env, "late", "RedshiftDelivery", "", 1)
		pgExec(t, conn, `CREATE TABLE late (v text)`)
		waits := retryRedshiftUntil(t, clock, func() bool { return len(pgRows(t, conn, `SELECT v FROM late`)) > 0 })
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT v FROM late`), "loaded on the retry")
		if len(waits) != 1 || waits[0] != 5*time.Minute {
			t.Fatalf("retry waits %v", waits)
		}
		if _, manifests, errs := stagedAndManifests(t, env, ""); len(manifests) != 1 || len(errs) != 0 {
			t.Fatalf("%d manifests, %d error manifests", len(manifests), len(errs))
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		clock := emulator.NewFakeClock(t0)
		env := newEnv(t, emulator.Config{Clock: clock})
		d := redshiftDest(pg, "events", "", "json 'auto'")
		d.Password = aws.String("not-the-password")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(0)}
		d.CloudWatchLoggingOptions = logging("g", "")
		createRedshiftStream(t, env.Firehose, "auth", d)
		putBatch(t, env.Firehose, "auth", []byte(`{"id":99}`))
		waitDelivered(t, env)
		ev := waitErrorEvents(t, env, "g", "RedshiftDelivery", "", 1)
		if ev[0].ErrorCode != "Redshift.AuthenticationFailed" {
			t.Fatalf("error event %+v", ev[0])
		}
	})

	t.Run("UnknownColumnAndInjectedTableName", func(t *testing.T) {
		env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
		d := redshiftDest(pg, "events", "id, nope", "")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(0)}
		d.CloudWatchLoggingOptions = logging("cols", "")
		createRedshiftStream(t, env.Firehose, "cols", d)
		d = redshiftDest(pg, "events; DROP TABLE events", "", "")
		d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(0)}
		d.CloudWatchLoggingOptions = logging("cols", "")
		createRedshiftStream(t, env.Firehose, "inject", d)
		putBatch(t, env.Firehose, "cols", []byte("1|x\n"))
		waitDelivered(t, env)
		putBatch(t, env.Firehose, "inject", []byte("1|x\n"))
		waitDelivered(t, env)
		ev := waitErrorEvents(t, env, "cols", "RedshiftDelivery", "", 2)
		if ev[0].ErrorCode != "Redshift.ColumnNotFound" || !strings.Contains(ev[0].Message, "nope") {
			t.Fatalf("error event %+v", ev[0])
		}
		if ev[1].ErrorCode != "Redshift.SyntaxError" {
			t.Fatalf("error event %+v", ev[1])
		}
		if rows := pgRows(t, conn, `SELECT count(*) FROM events`); len(rows) != 1 {
			t.Fatalf("events: %v", rows)
		}
	})

	t.Run("S3BackupAndLambda", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE words (word text, n int)`)
		clock := emulator.NewFakeClock(t0)
		env := newEnv(t, emulator.Config{Clock: clock})
		pythonTransform(t, env, "upper", nil)
		d := redshiftDest(pg, "words", "", "")
		d.S3BackupMode = types.RedshiftS3BackupModeEnabled
		d.S3BackupConfiguration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
			Prefix: aws.String("source/"), BufferingHints: hints(1, 60)}
		d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
			Type: types.ProcessorTypeLambda,
			Parameters: []types.ProcessorParameter{
				{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fnARNPrefix + "upper")},
				{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("1")},
				{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("0")},
			}}}}
		createRedshiftStream(t, env.Firehose, "words", d)
		putBatch(t, env.Firehose, "words", []byte("alpha|1\n"), []byte("drop me|2\n"), []byte("fail me|3\n"), []byte("beta|4\n"))
		waitDelivered(t, env)
		clock.Advance(60 * time.Second) // the backup's interval
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT word, n FROM words ORDER BY n`), `ALPHA | 1`, `BETA | 4`)
		var backup, failed string
		for _, o := range objects(t, env, "deliveries") {
			switch {
			case strings.HasPrefix(o.key, "source/2026/11/25/10/words-1-"):
				backup += string(o.body)
			case strings.HasPrefix(o.key, "processing-failed/2026/11/25/10/words-1-"):
				failed += string(o.body)
			}
		}
		if backup != "alpha|1\ndrop me|2\nfail me|3\nbeta|4\n" {
			t.Fatalf("S3 backup %q, want the source records", backup)
		}
		if !strings.Contains(failed, `"errorCode":"Lambda.ProcessingFailedStatus"`) {
			t.Fatalf("processing-failed output %q", failed)
		}
	})

	t.Run("DefinitionSurvivesRestart", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE kept (v text)`)
		dir := t.TempDir()
		env := durableEnv(t, dir, emulator.Config{})
		d := redshiftDest(pg, "kept", "v", "")
		d.S3Configuration.BufferingHints = hints(1, 900)
		createRedshiftStream(t, env.Firehose, "kept", d)
		putBatch(t, env.Firehose, "kept", []byte("before the restart\n"))
		if err := env.Server.Close(ctx); err != nil { // delivers what is buffered
			t.Fatal(err)
		}
		env2 := emulatortest.New(t, emulator.Config{DataDir: dir})
		out, err := env2.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("kept")})
		if err != nil {
			t.Fatal(err)
		}
		if r := out.DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription; r == nil || aws.ToString(r.CopyCommand.DataTableName) != "kept" {
			t.Fatalf("after the restart: %+v", out.DeliveryStreamDescription.Destinations[0])
		}
		putBatch(t, env2.Firehose, "kept", []byte("after the restart\n"))
		env2.Flush(t, "kept")
		waitDelivered(t, env2)
		wantRows(t, pgRows(t, conn, `SELECT v FROM kept ORDER BY v DESC`), "before the restart", "after the restart")
	})

	t.Run("EndpointRewrite", func(t *testing.T) {
		pgExec(t, conn, `CREATE TABLE rewritten (v text)`)
		const prod = "jdbc:redshift://analytics.abc123xyz.eu-west-1.redshift.amazonaws.com:5439"
		env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0),
			EndpointRewrites: []emulator.EndpointRewrite{{From: prod, To: fmt.Sprintf("jdbc:postgresql://127.0.0.1:%d", pg.Port)}}})
		d := redshiftDest(pg, "rewritten", "", "")
		d.ClusterJDBCURL = aws.String(prod + "/" + pg.Database)
		createRedshiftStream(t, env.Firehose, "rw", d)
		putBatch(t, env.Firehose, "rw", []byte("through the rewrite\n"))
		waitDelivered(t, env)
		wantRows(t, pgRows(t, conn, `SELECT v FROM rewritten`), `through the rewrite`)
		out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("rw")})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription.ClusterJDBCURL); got != prod+"/dev" {
			t.Fatalf("described URL %s", got)
		}
	})
}

// Create, Describe and Update of a Redshift destination, and the checks
// AWS applies (with the JDBC URL's pattern relaxed for local hosts only).
func TestRedshiftControlPlane(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	pg := &testtool.Postgres{Port: 5439, User: "admin", Password: "Secret123", Database: "dev"}
	d := redshiftDest(pg, "sensor.message", "ts, guid, temp", "JSON 'auto' GZIP")
	d.S3Configuration.CompressionFormat = types.CompressionFormatGzip
	d.S3Configuration.Prefix = aws.String("message/")
	createRedshiftStream(t, env.Firehose, "rs", d)
	describe := func() *types.RedshiftDestinationDescription {
		out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("rs")})
		if err != nil {
			t.Fatal(err)
		}
		return out.DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription
	}
	r := describe()
	if r == nil || aws.ToString(r.ClusterJDBCURL) != aws.ToString(d.ClusterJDBCURL) || aws.ToString(r.Username) != "admin" ||
		aws.ToString(r.CopyCommand.DataTableName) != "sensor.message" || aws.ToString(r.CopyCommand.DataTableColumns) != "ts, guid, temp" ||
		aws.ToString(r.CopyCommand.CopyOptions) != "JSON 'auto' GZIP" || aws.ToInt32(r.RetryOptions.DurationInSeconds) != 3600 ||
		r.S3BackupMode != types.RedshiftS3BackupModeDisabled || r.S3DestinationDescription.CompressionFormat != types.CompressionFormatGzip ||
		aws.ToString(r.S3DestinationDescription.Prefix) != "message/" || aws.ToBool(r.CloudWatchLoggingOptions.Enabled) {
		t.Fatalf("described %+v", r)
	}
	raw, err := json.Marshal(r)
	if err != nil || strings.Contains(string(raw), "Secret123") {
		t.Fatalf("the description holds the password: %s", raw)
	}
	update := func(u *types.RedshiftDestinationUpdate) error {
		out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("rs")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = env.Firehose.UpdateDestination(ctx, &firehose.UpdateDestinationInput{
			DeliveryStreamName: aws.String("rs"), DestinationId: aws.String("destinationId-000000000001"),
			CurrentDeliveryStreamVersionId: out.DeliveryStreamDescription.VersionId, RedshiftDestinationUpdate: u,
		})
		return err
	}
	if err := update(&types.RedshiftDestinationUpdate{
		CopyCommand:  &types.CopyCommand{DataTableName: aws.String("sensor.message2"), CopyOptions: aws.String("CSV")},
		RetryOptions: &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(120)},
		S3BackupMode: types.RedshiftS3BackupModeEnabled,
		S3BackupUpdate: &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
			Prefix: aws.String("backup/")},
		S3Update: &types.S3DestinationUpdate{CompressionFormat: types.CompressionFormatUncompressed},
	}); err != nil {
		t.Fatalf("UpdateDestination: %v", err)
	}
	r = describe()
	if aws.ToString(r.CopyCommand.DataTableName) != "sensor.message2" || aws.ToString(r.CopyCommand.CopyOptions) != "CSV" ||
		aws.ToInt32(r.RetryOptions.DurationInSeconds) != 120 || r.S3BackupMode != types.RedshiftS3BackupModeEnabled ||
		aws.ToString(r.S3BackupDescription.Prefix) != "backup/" || r.S3DestinationDescription.CompressionFormat != types.CompressionFormatUncompressed ||
		aws.ToString(r.S3DestinationDescription.Prefix) != "message/" || aws.ToString(r.Username) != "admin" {
		t.Fatalf("after the update: %+v", r)
	}
	wantAPIError(t, update(&types.RedshiftDestinationUpdate{S3BackupMode: types.RedshiftS3BackupModeDisabled}),
		"InvalidArgumentException", "S3BackupMode cannot be changed from Enabled to Disabled.")
	wantAPIError(t, update(&types.RedshiftDestinationUpdate{ClusterJDBCURL: aws.String("jdbc:redshift://db.example.com:5439/dev")}),
		"ValidationException", "clusterJDBCURL' failed to satisfy constraint: Member must satisfy regular expression pattern")

	// Switching: S3 → Redshift needs every member a Redshift destination
	// needs; Redshift → S3 needs RoleARN and BucketARN.
	createStream(t, env.Firehose, "switch", s3Dest())
	switchTo := func(u *firehose.UpdateDestinationInput) error {
		out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("switch")})
		if err != nil {
			t.Fatal(err)
		}
		u.DeliveryStreamName, u.DestinationId = aws.String("switch"), aws.String("destinationId-000000000001")
		u.CurrentDeliveryStreamVersionId = out.DeliveryStreamDescription.VersionId
		_, err = env.Firehose.UpdateDestination(ctx, u)
		return err
	}
	full := &types.RedshiftDestinationUpdate{
		RoleARN: aws.String(roleARN), ClusterJDBCURL: d.ClusterJDBCURL, CopyCommand: &types.CopyCommand{DataTableName: aws.String("t")},
		Username: aws.String("admin"), S3Update: &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
	}
	wantAPIError(t, switchTo(&firehose.UpdateDestinationInput{RedshiftDestinationUpdate: full}),
		"InvalidArgumentException", "Changing the destination of Firehose switch to Redshift requires")
	full.Password = aws.String("Secret123")
	if err := switchTo(&firehose.UpdateDestinationInput{RedshiftDestinationUpdate: full}); err != nil {
		t.Fatalf("S3 → Redshift: %v", err)
	}
	out, err := env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("switch")})
	if err != nil || out.DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription == nil ||
		out.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription != nil {
		t.Fatalf("after S3 → Redshift: %+v %v", out, err)
	}
	if err := switchTo(&firehose.UpdateDestinationInput{ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{
		RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}}); err != nil {
		t.Fatalf("Redshift → S3: %v", err)
	}
	out, err = env.Firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("switch")})
	if err != nil || out.DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription != nil {
		t.Fatalf("after Redshift → S3: %+v %v", out, err)
	}

	// Accepted: a provisioned cluster, a Serverless workgroup, a loopback
	// PostgreSQL, names under .localhost.
	for i, u := range []string{
		"jdbc:redshift://examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com:5439/dev",
		"jdbc:redshift://default-wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/dev",
		"jdbc:postgresql://127.0.0.1:5432/dev",
		"jdbc:redshift://localhost:5432/dev",
		"jdbc:postgresql://warehouse.localhost:5432/dev",
	} {
		d := redshiftDest(pg, "t", "", "")
		d.ClusterJDBCURL = aws.String(u)
		createRedshiftStream(t, env.Firehose, fmt.Sprintf("ok-%d", i), d)
	}

	refused := []struct {
		name   string
		change func(d *types.RedshiftDestinationConfiguration)
		code   string
		msg    string
	}{
		{"public host", func(d *types.RedshiftDestinationConfiguration) {
			d.ClusterJDBCURL = aws.String("jdbc:redshift://db.example.com:5439/dev")
		}, "ValidationException", "Value 'jdbc:redshift://db.example.com:5439/dev' at 'redshiftDestinationConfiguration.clusterJDBCURL' failed to satisfy constraint"},
		{"no port", func(d *types.RedshiftDestinationConfiguration) {
			d.ClusterJDBCURL = aws.String("jdbc:postgresql://127.0.0.1/dev")
		}, "ValidationException", "clusterJDBCURL"},
		{"snappy staging", func(d *types.RedshiftDestinationConfiguration) {
			d.S3Configuration.CompressionFormat = types.CompressionFormatSnappy
		}, "InvalidArgumentException", "Only the following compression formats are allowed when using Redshift: [UNCOMPRESSED, GZIP]"},
		{"prefix expression", func(d *types.RedshiftDestinationConfiguration) {
			d.S3Configuration.Prefix = aws.String("!{timestamp:yyyy}/")
		}, "InvalidArgumentException", "Prefix Expressions or ErrorOutputPrefix is currently not supported for this destination"},
		{"error prefix", func(d *types.RedshiftDestinationConfiguration) {
			d.S3Configuration.ErrorOutputPrefix = aws.String("err/")
		}, "InvalidArgumentException", "Prefix Expressions or ErrorOutputPrefix is currently not supported for this destination"},
		{"no password", func(d *types.RedshiftDestinationConfiguration) { d.Password = nil },
			"InvalidArgumentException", "Redshift Database Password is required for Redshift Destination"},
		{"short password", func(d *types.RedshiftDestinationConfiguration) { d.Password = aws.String("abc") },
			"ValidationException", "password"},
		{"secrets manager", func(d *types.RedshiftDestinationConfiguration) {
			d.SecretsManagerConfiguration = &types.SecretsManagerConfiguration{Enabled: aws.Bool(true),
				SecretARN: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:s")}
		}, "InvalidArgumentException", "firehose-local does not support SecretsManagerConfiguration with Enabled true"},
		{"fixedwidth", func(d *types.RedshiftDestinationConfiguration) {
			d.CopyCommand.CopyOptions = aws.String("FIXEDWIDTH 'a:3'")
		}, "InvalidArgumentException", "firehose-local does not support the COPY option FIXEDWIDTH"},
		{"format parquet", func(d *types.RedshiftDestinationConfiguration) {
			d.CopyCommand.CopyOptions = aws.String("FORMAT AS PARQUET")
		}, "InvalidArgumentException", "firehose-local does not support the COPY option FORMAT AS PARQUET"},
		{"unknown option", func(d *types.RedshiftDestinationConfiguration) {
			d.CopyCommand.CopyOptions = aws.String("JSON 'auto' FROBNICATE")
		}, "InvalidArgumentException", "CopyOptions has an unknown option FROBNICATE."},
		{"two formats", func(d *types.RedshiftDestinationConfiguration) {
			d.CopyCommand.CopyOptions = aws.String("CSV JSON 'auto'")
		}, "InvalidArgumentException", "more than one data format"},
		{"empty column", func(d *types.RedshiftDestinationConfiguration) {
			d.CopyCommand.DataTableColumns = aws.String("a,,b")
		}, "InvalidArgumentException", "CopyCommand.DataTableColumns has an empty column name."},
		{"retry too long", func(d *types.RedshiftDestinationConfiguration) {
			d.RetryOptions = &types.RedshiftRetryOptions{DurationInSeconds: aws.Int32(7201)}
		}, "ValidationException", "Member must have value less than or equal to 7200"},
		{"backup without configuration", func(d *types.RedshiftDestinationConfiguration) {
			d.S3BackupMode = types.RedshiftS3BackupModeEnabled
		}, "InvalidArgumentException", "S3BackupConfiguration is required when S3BackupMode is Enabled."},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			d := redshiftDest(pg, "t", "", "")
			c.change(d)
			_, err := env.Firehose.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("refused"), RedshiftDestinationConfiguration: d,
			})
			wantAPIError(t, err, c.code, c.msg)
		})
	}
}
