package main

// The record format conversion bench (-parquet): records/s of JSON records
// converted to Parquet (SNAPPY) through the whole pipeline — PutRecordBatch
// over HTTP, buffering, conversion with a Glue table's 10 columns of mixed
// types, the object written to the built-in S3 — against, in the same
// command: parquet-go alone writing the same rows, as Go structs, in this
// process (the library's limit); encoding/json decoding the same records
// into those structs before parquet-go writes them (what a Go program
// converting the records itself would run); and the same records through a
// stream without conversion (the HTTP path's own limit). Each round puts a
// fixed number of records and flushes; the time runs from the first put to
// the flush's return (every object written).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/parquet-go/parquet-go"
)

const (
	parquetStream = "parquet"
	plainStream   = "plain-json" // the same records, written as they come: the HTTP path's own limit
)

// parquetColumns is the bench table: 10 columns of mixed types.
var parquetColumns = [][2]string{
	{"id", "bigint"}, {"name", "string"}, {"country", "string"}, {"qty", "int"}, {"price", "double"},
	{"amount", "decimal(12,2)"}, {"active", "boolean"}, {"created", "timestamp"}, {"day", "date"}, {"rating", "float"},
}

// parquetRow is a bench row as parquet-go's own writer takes it, typed as
// the conversion writes the table's columns.
type parquetRow struct {
	ID      int64     `parquet:"id,optional"`
	Name    string    `parquet:"name,optional"`
	Country string    `parquet:"country,optional"`
	Qty     int32     `parquet:"qty,optional"`
	Price   float64   `parquet:"price,optional"`
	Amount  int64     `parquet:"amount,optional,decimal(2:12)"`
	Active  bool      `parquet:"active,optional"`
	Created time.Time `parquet:"created,optional,timestamp(millisecond)"`
	Day     int32     `parquet:"day,optional,date"`
	Rating  float32   `parquet:"rating,optional"`
}

// parquetData is row i of the bench: as a JSON record and as a Go row.
func parquetData(i int) ([]byte, parquetRow) {
	created := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	r := parquetRow{
		ID: int64(i), Name: fmt.Sprintf("user-%07d", i), Country: [4]string{"DE", "FR", "US", "JP"}[i%4],
		Qty: int32(i % 100), Price: float64(i%1000) + 0.25, Amount: int64(i%100000) * 7, Active: i%3 == 0,
		Created: created, Day: int32(created.Unix() / 86400), Rating: float32(i%5) + 0.5,
	}
	rec := fmt.Appendf(nil, `{"id":%d,"name":%q,"country":%q,"qty":%d,"price":%g,"amount":%d.%02d,"active":%t,"created":%q,"day":%q,"rating":%g}`+"\n",
		r.ID, r.Name, r.Country, r.Qty, r.Price, r.Amount/100, r.Amount%100, r.Active,
		created.Format("2006-01-02T15:04:05.000Z"), created.Format("2006-01-02"), r.Rating)
	return rec, r
}

func createParquetStream(ctx context.Context, cfg aws.Config) error {
	if err := setupStream(ctx, cfg); err != nil { // the bucket
		return err
	}
	g := glue.NewFromConfig(cfg)
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("bench")}}); err != nil {
		return fmt.Errorf("glue CreateDatabase: %w", err)
	}
	var cols []gluetypes.Column
	for _, c := range parquetColumns {
		cols = append(cols, gluetypes.Column{Name: aws.String(c[0]), Type: aws.String(c[1])})
	}
	if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("bench"), TableInput: &gluetypes.TableInput{
		Name: aws.String("rows"), StorageDescriptor: &gluetypes.StorageDescriptor{Columns: cols},
	}}); err != nil {
		return fmt.Errorf("glue CreateTable: %w", err)
	}
	role := aws.String("arn:aws:iam::000000000000:role/firehose-bench")
	_, err := firehose.NewFromConfig(cfg).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(parquetStream),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: role, BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
			Prefix: aws.String("parquet/"), ErrorOutputPrefix: aws.String("errors/!{firehose:error-output-type}/"),
			BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(60)},
			DataFormatConversionConfiguration: &types.DataFormatConversionConfiguration{
				SchemaConfiguration:       &types.SchemaConfiguration{RoleARN: role, DatabaseName: aws.String("bench"), TableName: aws.String("rows")},
				InputFormatConfiguration:  &types.InputFormatConfiguration{Deserializer: &types.Deserializer{OpenXJsonSerDe: &types.OpenXJsonSerDe{}}},
				OutputFormatConfiguration: &types.OutputFormatConfiguration{Serializer: &types.Serializer{ParquetSerDe: &types.ParquetSerDe{Compression: types.ParquetCompressionSnappy}}},
			},
		},
	})
	if err != nil {
		return fmt.Errorf("CreateDeliveryStream: %w", err)
	}
	_, err = firehose.NewFromConfig(cfg).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(plainStream),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: role, BucketARN: aws.String("arn:aws:s3:::" + benchBucket), Prefix: aws.String("plain/"),
			BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(60)},
		},
	})
	if err != nil {
		return fmt.Errorf("CreateDeliveryStream: %w", err)
	}
	return nil
}

// putAll puts every batch once, from workers goroutines.
func putAll(ctx context.Context, client *firehose.Client, stream string, batches [][]types.Record, workers int) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan []types.Record)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for recs := range next {
				out, err := client.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(stream), Records: recs})
				if err == nil && aws.ToInt32(out.FailedPutCount) > 0 {
					err = fmt.Errorf("%d records failed", aws.ToInt32(out.FailedPutCount))
				}
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, b := range batches {
		next <- b
	}
	close(next)
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// jsonRow is a bench record as encoding/json decodes it.
type jsonRow struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Country string    `json:"country"`
	Qty     int32     `json:"qty"`
	Price   float64   `json:"price"`
	Amount  float64   `json:"amount"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"`
	Day     string    `json:"day"`
	Rating  float32   `json:"rating"`
}

// decodeAndWrite is what a Go program converting the records itself would
// run: encoding/json into a struct, then parquet-go's writer, one file.
func decodeAndWrite(records [][]byte) (time.Duration, error) {
	t0 := time.Now()
	rows := make([]parquetRow, len(records))
	for i, rec := range records {
		var j jsonRow
		if err := json.Unmarshal(rec, &j); err != nil {
			return 0, err
		}
		day, err := time.Parse(time.DateOnly, j.Day)
		if err != nil {
			return 0, err
		}
		rows[i] = parquetRow{ID: j.ID, Name: j.Name, Country: j.Country, Qty: j.Qty, Price: j.Price,
			Amount: int64(math.Round(j.Amount * 100)), Active: j.Active, Created: j.Created,
			Day: int32(day.Unix() / 86400), Rating: j.Rating}
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[parquetRow](&buf, parquet.Compression(&parquet.Snappy))
	if _, err := w.Write(rows); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// writeDirect writes rows with parquet-go alone, SNAPPY, as the pipeline
// writes each object: one file per object of perObject rows.
func writeDirect(rows []parquetRow, perObject int) (time.Duration, int64, error) {
	var buf bytes.Buffer
	var total int64
	t0 := time.Now()
	for i := 0; i < len(rows); i += perObject {
		buf.Reset()
		w := parquet.NewGenericWriter[parquetRow](&buf, parquet.Compression(&parquet.Snappy))
		if _, err := w.Write(rows[i:min(i+perObject, len(rows))]); err != nil {
			return 0, 0, err
		}
		if err := w.Close(); err != nil {
			return 0, 0, err
		}
		total += int64(buf.Len())
	}
	return time.Since(t0), total, nil
}

// runParquet runs the rounds: the pipeline, then parquet-go alone (the
// order alternating), at each worker count.
func runParquet(o options, bin string) error {
	p, err := startFirehoseLocal(bin, "--max-buffer-interval", "1s", "--log-level", "error")
	if err != nil {
		return err
	}
	defer p.stop(30 * time.Second)
	ctx := context.Background()
	cfg := awsConfig(p.url, slices.Max(o.workers))
	if err := createParquetStream(ctx, cfg); err != nil {
		return err
	}
	n := o.parquetRecords
	var rows []parquetRow
	var batches [][]types.Record
	var bytesIn int
	var records [][]byte
	for i := 0; i < n; i += o.records {
		var batch []types.Record
		for j := i; j < min(i+o.records, n); j++ {
			rec, row := parquetData(j)
			records = append(records, rec)
			batch = append(batch, types.Record{Data: rec})
			rows = append(rows, row)
			bytesIn += len(rec)
		}
		batches = append(batches, batch)
	}
	client := firehose.NewFromConfig(cfg)
	pipe, plain, direct, decoded := map[int][]float64{}, map[int][]float64{}, map[int][]float64{}, map[int][]float64{}
	for round := 1; round <= o.rounds; round++ {
		for _, w := range o.workers {
			through := func(stream string, into map[int][]float64) error {
				t0 := time.Now()
				if err := putAll(ctx, client, stream, batches, w); err != nil {
					return err
				}
				if err := flush(p.url); err != nil {
					return err
				}
				rate := float64(n) / time.Since(t0).Seconds()
				into[w] = append(into[w], rate)
				logf("round %d  %-10s %d workers: %.0f records/s", round, stream, w, rate)
				return nil
			}
			runPipe := func() error {
				if err := through(plainStream, plain); err != nil {
					return err
				}
				return through(parquetStream, pipe)
			}
			runDirect := func() error {
				d, _, err := writeDirect(rows, n)
				if err != nil {
					return err
				}
				rate := float64(n) / d.Seconds()
				direct[w] = append(direct[w], rate)
				logf("round %d  parquet-go alone: %.0f records/s", round, rate)
				if d, err = decodeAndWrite(records); err != nil {
					return err
				}
				rate = float64(n) / d.Seconds()
				decoded[w] = append(decoded[w], rate)
				logf("round %d  encoding/json + parquet-go: %.0f records/s", round, rate)
				return nil
			}
			first, second := runPipe, runDirect
			if round%2 == 0 {
				first, second = runDirect, runPipe
			}
			if err := first(); err != nil {
				return err
			}
			if err := second(); err != nil {
				return err
			}
		}
	}
	// Every record must have converted: nothing in the error output.
	if _, err := noErrorOutput(ctx, cfg); err != nil {
		return err
	}
	printParquet(os.Stdout, o, n, bytesIn, pipe, plain, direct, decoded)
	return nil
}

func printParquet(w io.Writer, o options, n, bytesIn int, pipe, plain, direct, decoded map[int][]float64) {
	fmt.Fprintf(w, "\n%d JSON records (%d bytes each on average, 10 columns) per round, %d per PutRecordBatch, %d rounds; medians, range of the per-round ratios in brackets.\n\n",
		n, bytesIn/max(n, 1), o.records, o.rounds)
	fmt.Fprintln(w, "| workers | pipeline → Parquet in S3, records/s | parquet-go alone | pipeline / parquet-go alone | encoding/json + parquet-go | pipeline / that | no conversion | pipeline / no conversion |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range o.workers {
		ratio := func(base map[int][]float64) string {
			var rs []float64
			for i := range pipe[k] {
				rs = append(rs, pipe[k][i]/base[k][i])
			}
			return fmt.Sprintf("%.2f [%.2f–%.2f]", percentile(rs, 50), slices.Min(rs), slices.Max(rs))
		}
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %s | %.0f | %s | %.0f | %s |\n", k, percentile(pipe[k], 50),
			percentile(direct[k], 50), ratio(direct), percentile(decoded[k], 50), ratio(decoded), percentile(plain[k], 50), ratio(plain))
	}
}
