package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/firehose-local/firehose-local/delivery/redshiftcopy"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The Redshift destination. Each batch is staged in S3Configuration's
// bucket exactly as an S3 destination writes it; then Firehose writes a
// manifest listing the staged object under <Prefix>manifests/ and issues
//
//	COPY <DataTableName> (<DataTableColumns>) FROM 's3://<bucket>/<manifest>'
//	CREDENTIALS 'aws_iam_role=<RoleARN>' MANIFEST <CopyOptions>;
//
// Here the cluster is a PostgreSQL server reached through the JDBC URL's
// host and port: the COPY is translated (delivery/redshiftcopy) into COPY
// <table> (<columns>) FROM STDIN of the rows Redshift would load, one
// statement, so one transaction, per COPY. A failed COPY is retried every
// five minutes until RetryOptions.DurationInSeconds has passed; then the
// batch is skipped and its manifest written under <Prefix>errors/manifests/
// for a manual backfill.

const (
	// DefaultRedshiftRetrySeconds is RetryOptions.DurationInSeconds' default.
	DefaultRedshiftRetrySeconds = 3600
	// redshiftRetryInterval is how often a failed COPY is retried (AWS's
	// documented five minutes), or at once after a flush.
	redshiftRetryInterval = 5 * time.Minute
	// Log streams of a Redshift destination's error events.
	streamRedshiftDelivery = "RedshiftDelivery"
	streamS3Delivery       = "S3Delivery"
	// redshiftCopyTimeout bounds one COPY attempt.
	redshiftCopyTimeout = 10 * time.Minute
)

// Error codes of a failed COPY, as Firehose's error events name them.
const (
	codeRedshiftTableNotFound       = "Redshift.TableNotFound"
	codeRedshiftSyntaxError         = "Redshift.SyntaxError"
	codeRedshiftAuthFailed          = "Redshift.AuthenticationFailed"
	codeRedshiftDataLoadFailed      = "Redshift.DataLoadFailed"
	codeRedshiftColumnNotFound      = "Redshift.ColumnNotFound"
	codeRedshiftDatabaseNotFound    = "Redshift.DatabaseNotFound"
	codeRedshiftConnectionFailed    = "Redshift.ConnectionFailed"
	codeRedshiftColumnMismatch      = "Redshift.ColumnMismatch"
	codeRedshiftIncorrectJSONPaths  = "Redshift.IncorrectJsonPathsFile"
	codeRedshiftMissingS3File       = "Redshift.MissingS3File"
	codeRedshiftInsufficientPrivile = "Redshift.InsufficientPrivilege"
	codeRedshiftReadOnly            = "Redshift.ReadOnlyCluster"
	codeRedshiftDiskFull            = "Redshift.DiskFull"
)

// ObjectReader is an ObjectStore that can also read objects back: the
// Redshift destination's COPY reads its manifest, the staged objects and a
// JSONPaths file through it.
type ObjectReader interface {
	GetObject(ctx context.Context, bucket, key string) ([]byte, error)
}

// redshiftConfig is a Redshift destination as its deliveries need it.
type redshiftConfig struct {
	url      string // the JDBC URL after any EndpointRewrite
	logName  string // the JDBC URL without parameters, for logs and error events
	host     string
	port     string
	database string
	user     string
	password string
	role     string
	table    string
	columns  []string // DataTableColumns; nil: every column
	options  string   // CopyOptions as given
	opts     *redshiftcopy.Options
	retry    time.Duration
}

func newRedshiftConfig(r protocol.RedshiftDestinationConfiguration, rewrites []EndpointRewrite) *redshiftConfig {
	c := &redshiftConfig{
		url:      rewriteURL(r.ClusterJDBCURL, rewrites),
		user:     deref(r.Username),
		password: deref(r.Password),
		role:     r.RoleARN,
		retry:    time.Duration(RedshiftRetrySeconds(r)) * time.Second,
	}
	c.logName = c.url
	if j, err := ParseJDBC(c.url); err == nil {
		c.host, c.port, c.database = j.Host, j.Port, j.Database
		c.logName = j.Scheme + "://" + net.JoinHostPort(j.Host, j.Port) + "/" + j.Database
	}
	if cc := r.CopyCommand; cc != nil {
		c.table = cc.DataTableName
		c.columns, _ = splitColumns(deref(cc.DataTableColumns))
		c.options = deref(cc.CopyOptions)
	}
	// The options were checked when the configuration was accepted.
	c.opts, _ = redshiftcopy.Parse(c.options)
	if c.opts == nil {
		c.opts = &redshiftcopy.Options{Null: `\N`, Quote: '"'}
	}
	return c
}

// RedshiftRetrySeconds is RetryOptions.DurationInSeconds, default 3600.
func RedshiftRetrySeconds(r protocol.RedshiftDestinationConfiguration) int {
	if r.RetryOptions != nil && r.RetryOptions.DurationInSeconds != nil {
		return *r.RetryOptions.DurationInSeconds
	}
	return DefaultRedshiftRetrySeconds
}

// RedshiftStaging is a Redshift destination's S3Configuration (where
// records are staged), with its processing and S3 backup, in the form S3
// destinations are kept.
func RedshiftStaging(r protocol.RedshiftDestinationConfiguration) protocol.ExtendedS3DestinationConfiguration {
	c := ExtendedS3(r.S3Configuration)
	c.ProcessingConfiguration = r.ProcessingConfiguration
	c.S3BackupMode = r.S3BackupMode
	c.S3BackupConfiguration = r.S3BackupConfiguration
	return c
}

func newRedshiftDestConfig(r protocol.RedshiftDestinationConfiguration, version int, maxInterval time.Duration, rewrites []EndpointRewrite) destConfig {
	c := newS3DestConfig(RedshiftStaging(r), version, maxInterval)
	c.logDest = newLogTarget(r.CloudWatchLoggingOptions, streamRedshiftDelivery)
	if r.S3Configuration != nil {
		c.logBackup = newLogTarget(r.S3Configuration.CloudWatchLoggingOptions, streamS3Delivery)
	}
	c.redshift = newRedshiftConfig(r, rewrites)
	c.dest = redshiftDestination{}
	return c
}

// JDBCURL is a ClusterJDBCURL's parts.
type JDBCURL struct{ Scheme, Host, Port, Database string }

// ParseJDBC reads jdbc:(redshift|postgresql)://host:port/database[?...].
func ParseJDBC(raw string) (JDBCURL, error) {
	rest, ok := strings.CutPrefix(raw, "jdbc:")
	if !ok {
		return JDBCURL{}, errors.New("not a jdbc: URL")
	}
	u, err := url.Parse(rest)
	if err != nil {
		return JDBCURL{}, err
	}
	if u.Scheme != "redshift" && u.Scheme != "postgresql" {
		return JDBCURL{}, errors.New("the scheme must be jdbc:redshift or jdbc:postgresql")
	}
	if u.User != nil || u.Hostname() == "" || u.Port() == "" {
		return JDBCURL{}, errors.New("it needs a host and a port")
	}
	if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
		return JDBCURL{}, errors.New("the port is not a port number")
	}
	db := strings.TrimPrefix(u.Path, "/")
	if !jdbcDatabase().MatchString(db) {
		return JDBCURL{}, errors.New("it needs a database name")
	}
	return JDBCURL{Scheme: "jdbc:" + u.Scheme, Host: u.Hostname(), Port: u.Port(), Database: db}, nil
}

var jdbcDatabase = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_$-]+$`) })

// CheckJDBCURL enforces the model's ClusterJDBCURL pattern (hosts under
// .redshift. or .redshift-serverless.), except that loopback and private
// hosts, localhost and names under .localhost are also accepted (a
// deliberate difference, for a local PostgreSQL). path is the member's
// path in AWS's ValidationException.
func CheckJDBCURL(raw, path string) *awsjson.Error {
	shape := protocol.FirehoseModel().Shapes[protocol.ClusterJDBCURLShape]
	if shape == nil || shape.Matches(raw) {
		return nil
	}
	if j, err := ParseJDBC(raw); err == nil && localHost(j.Host) {
		return nil
	}
	return awsjson.ValidationError([]string{awsjson.Violation(raw, path, "satisfy regular expression pattern: "+shape.Pattern)})
}

var errEmptyColumn = errors.New("CopyCommand.DataTableColumns has an empty column name")

// splitColumns reads DataTableColumns, a comma list ("" for none).
func splitColumns(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, errEmptyColumn
		}
		out = append(out, c)
	}
	return out, nil
}

// CheckRedshift applies the rules AWS checks beyond the model's
// constraints to a Redshift destination (except the JDBC URL's, see
// CheckJDBCURL), and refuses by name what firehose-local does not
// implement.
func CheckRedshift(r *protocol.RedshiftDestinationConfiguration) *awsjson.Error {
	if r.CopyCommand == nil || r.S3Configuration == nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "CopyCommand and S3Configuration are required for a Redshift destination.")
	}
	if sm := r.SecretsManagerConfiguration; sm != nil && sm.Enabled != nil && *sm.Enabled {
		return protocol.Unsupported("SecretsManagerConfiguration with Enabled true")
	}
	if r.Username == nil || *r.Username == "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "Redshift Database Username is required for Redshift Destination")
	}
	if r.Password == nil || *r.Password == "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "Redshift Database Password is required for Redshift Destination")
	}
	staging := ExtendedS3(r.S3Configuration)
	if f := CompressionFormat(staging); f != "UNCOMPRESSED" && f != "GZIP" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "Only the following compression formats are allowed when using Redshift: [UNCOMPRESSED, GZIP]")
	}
	if strings.Contains(deref(staging.Prefix), "!{") || deref(staging.ErrorOutputPrefix) != "" {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "Prefix Expressions or ErrorOutputPrefix is currently not supported for this destination")
	}
	if err := checkS3Common(&staging, false); err != nil {
		return err
	}
	if _, err := splitColumns(deref(r.CopyCommand.DataTableColumns)); err != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "%s.", err.Error())
	}
	if _, err := redshiftcopy.Parse(deref(r.CopyCommand.CopyOptions)); err != nil {
		var oe *redshiftcopy.Error
		if errors.As(err, &oe) && oe.Unsupported {
			return protocol.Unsupported(fmt.Sprintf("the COPY option %s in CopyCommand.CopyOptions (%s)", oe.Option, oe.Message))
		}
		return awsjson.NewError(awsjson.ErrInvalidArgument, "%s", err.Error())
	}
	if _, err := parseProcessing(r.ProcessingConfiguration, 0, false); err != nil {
		return err
	}
	if r.S3BackupMode == "Enabled" {
		if r.S3BackupConfiguration == nil {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "S3BackupConfiguration is required when S3BackupMode is Enabled.")
		}
		backup := ExtendedS3(r.S3BackupConfiguration)
		if err := checkS3Common(&backup, false); err != nil {
			return err
		}
	}
	return nil
}

// redshiftDestination stages each batch in S3 and COPYs it into the table.
type redshiftDestination struct{}

func (redshiftDestination) Deliver(p *Pipeline, b *Batch) bool { return p.deliverRedshift(b) }
func (redshiftDestination) Name(b *Batch) string               { return b.cfg.redshift.logName }

// redshiftFailure is why one COPY attempt failed.
type redshiftFailure struct {
	code, message string
	cause         error // a failed write to the COPY (then the COPY's own error says why)
}

// deliverRedshift stages b, writes its manifest, and issues the COPY,
// retried every five minutes for RetryOptions.DurationInSeconds (counted
// from the first failure); then it writes the manifest to errors/ and
// moves on. It reports false if shutdown abandoned the batch.
func (p *Pipeline) deliverRedshift(b *Batch) bool {
	r := b.cfg.redshift
	if b.stagedKey == "" {
		if !p.deliverS3(b) {
			return false
		}
		if b.stagedKey == "" { // stream deleted, or the S3 retry window passed
			return true
		}
	}
	now := p.d.Clock.Now()
	entries := []string{"s3://" + b.cfg.bucket + "/" + b.stagedKey}
	manifest := redshiftManifest(entries)
	key := b.cfg.prefix + "manifests/" + now.UTC().Format("2006/01/02/15/") + p.stream + "-" + now.UTC().Format("2006-01-02-15-04-05") + "-" + uuid.NewString()
	if !p.putRedshiftObject(b, key, manifest) {
		return p.isDiscarded()
	}
	ctx, stop := p.batchContext(context.Background(), true)
	defer stop()
	copyText := r.copyText(b.cfg.bucket, key)
	var elapsed time.Duration
	attempts := 0
	for {
		attempts++
		rows, fail := p.copyRedshift(ctx, b, key)
		p.m.RedshiftAttempts.Add(1)
		if ctx.Err() != nil {
			p.log.Error("Redshift delivery abandoned (stream deleted or shutdown deadline reached): records not delivered",
				"cluster", r.logName, "records", len(b.ends))
			return p.isDiscarded()
		}
		if fail == nil {
			p.m.RedshiftSuccess.Add(1)
			p.m.RedshiftRecords.Add(int64(len(b.ends)))
			p.m.RedshiftBytes.Add(int64(len(b.data)))
			p.log.Debug("COPY into Redshift done", "cluster", r.logName, "copy", copyText, "rows", rows, "attempts", attempts)
			return true
		}
		p.noteFailure(b, fail.code, fail.message, "")
		remaining := r.retry - elapsed
		p.log.Warn("COPY into Redshift failed", "cluster", r.logName, "copy", copyText, "attempt", attempts,
			"records", len(b.ends), "errorCode", fail.code, "error", fail.message, "retryTimeLeft", max(remaining, 0))
		if remaining <= 0 {
			break
		}
		before := p.d.Clock.Now()
		if !p.wait(b, min(redshiftRetryInterval, remaining)) {
			return p.isDiscarded()
		}
		elapsed += p.d.Clock.Now().Sub(before)
	}
	now = p.d.Clock.Now()
	errKey := b.cfg.prefix + "errors/manifests/" + now.UTC().Format("2006/01/02/15/") + p.stream + "-" + now.UTC().Format("2006-01-02-15-04-05") + "-" + uuid.NewString()
	p.log.Error("Redshift retry duration exhausted: the batch is skipped and its manifest written to errors/ for a manual backfill",
		"cluster", r.logName, "attempts", attempts, "records", len(b.ends), "bucket", b.cfg.bucket, "manifest", errKey)
	return p.putRedshiftObject(b, errKey, manifest) || p.isDiscarded()
}

// copyText is the COPY Firehose issues for the manifest key, for logs.
func (r *redshiftConfig) copyText(bucket, key string) string {
	var sb strings.Builder
	sb.WriteString("COPY ")
	sb.WriteString(r.table)
	if len(r.columns) > 0 {
		sb.WriteString(" (" + strings.Join(r.columns, ",") + ")")
	}
	sb.WriteString(" FROM 's3://" + bucket + "/" + key + "' CREDENTIALS 'aws_iam_role=" + r.role + "' MANIFEST")
	if r.options != "" {
		sb.WriteString(" " + strings.TrimRight(strings.TrimSpace(r.options), ";"))
	}
	return sb.String() + ";"
}

// redshiftManifest renders a Redshift COPY manifest of the objects.
func redshiftManifest(urls []string) []byte {
	type entry struct {
		URL       string `json:"url"`
		Mandatory bool   `json:"mandatory"`
	}
	m := struct {
		Entries []entry `json:"entries"`
	}{}
	for _, u := range urls {
		m.Entries = append(m.Entries, entry{URL: u, Mandatory: true})
	}
	out, _ := marshalNoEscape(m)
	return out
}

// putRedshiftObject writes a manifest to the staging bucket, retried as S3
// deliveries are. It reports false if the stream was deleted or shutdown
// abandoned it.
func (p *Pipeline) putRedshiftObject(b *Batch, key string, body []byte) bool {
	backoff := time.Second
	started := p.d.Clock.Now()
	for {
		if p.isDiscarded() {
			return false
		}
		timeout, cancel := context.WithTimeout(context.Background(), time.Minute)
		ctx, stop := p.batchContext(timeout, false)
		err := p.d.Store.PutObject(ctx, b.cfg.bucket, key, body, ObjectMeta{ContentType: "application/octet-stream"})
		stop()
		cancel()
		if err == nil {
			return true
		}
		if p.aborted() {
			return false
		}
		code, msg := s3ErrorCode(err)
		p.logError(b.cfg, true, code, msg, "")
		p.log.Warn("writing a Redshift manifest failed; will retry", "bucket", b.cfg.bucket, "key", key, "error", err)
		if p.d.Clock.Now().Sub(started) >= retryWindow {
			p.log.Error("Redshift manifest not written within the S3 retry window (24 h): batch dropped, as AWS drops it", "bucket", b.cfg.bucket, "records", len(b.ends))
			return true
		}
		if !p.wait(b, backoff) {
			return false
		}
		backoff = min(backoff*2, 2*time.Minute)
	}
}

// redshiftConn is the pipeline's connection to its cluster, kept between
// COPYs; key is what it was opened with.
type redshiftConn struct {
	conn *pgx.Conn
	key  string
}

func (p *Pipeline) closeRedshift() {
	if p.pg != nil && p.pg.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = p.pg.conn.Close(ctx)
		cancel()
	}
	p.pg = nil
}

// redshiftConnect returns an open connection to r's cluster.
func (p *Pipeline) redshiftConnect(ctx context.Context, r *redshiftConfig) (*pgx.Conn, *redshiftFailure) {
	key := r.host + "\x00" + r.port + "\x00" + r.database + "\x00" + r.user + "\x00" + r.password
	if p.pg != nil && p.pg.key == key && p.pg.conn != nil && !p.pg.conn.IsClosed() {
		return p.pg.conn, nil
	}
	p.closeRedshift()
	if r.host == "" {
		return nil, &redshiftFailure{code: codeRedshiftConnectionFailed, message: "The cluster JDBC URL " + r.logName + " cannot be used."}
	}
	// TLS when the server offers it (unverified, as libpq's sslmode=prefer),
	// else a plain connection.
	dsn := fmt.Sprintf("host=%s port=%s dbname=%s user=%s password=%s sslmode=prefer application_name=firehose-local",
		pgQuote(r.host), pgQuote(r.port), pgQuote(r.database), pgQuote(r.user), pgQuote(r.password))
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &redshiftFailure{code: codeRedshiftConnectionFailed, message: "The cluster JDBC URL " + r.logName + " cannot be used: " + err.Error()}
	}
	// Redshift reads a TIMESTAMPTZ value without a zone as UTC.
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.ConnectTimeout = 30 * time.Second
	cfg.DialFunc = DialContext
	for _, f := range cfg.Fallbacks {
		f.Host, f.Port = r.host, cfg.Port
	}
	// Names are resolved by DialContext (which sends .localhost to loopback).
	cfg.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, pgFailure(err, r)
	}
	p.pg = &redshiftConn{conn: conn, key: key}
	return conn, nil
}

// pgQuote quotes a value of a libpq keyword/value connection string.
func pgQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// copyRedshift runs one COPY attempt: it reads the manifest and the
// objects it lists, translates them per CopyOptions, and loads them with
// one COPY ... FROM STDIN.
func (p *Pipeline) copyRedshift(ctx context.Context, b *Batch, manifestKey string) (int, *redshiftFailure) {
	r := b.cfg.redshift
	ctx, cancel := context.WithTimeout(ctx, redshiftCopyTimeout)
	defer cancel()
	reader, _ := p.d.Store.(ObjectReader)
	get := func(bucket, key string) ([]byte, error) {
		if reader == nil {
			return nil, errors.New("the object store cannot be read back")
		}
		return reader.GetObject(ctx, bucket, key)
	}
	mb, err := get(b.cfg.bucket, manifestKey)
	if err != nil {
		return 0, &redshiftFailure{code: codeRedshiftMissingS3File, message: fmt.Sprintf("The manifest s3://%s/%s cannot be read: %v", b.cfg.bucket, manifestKey, err)}
	}
	var manifest struct {
		Entries []manifestEntry `json:"entries"`
	}
	if err := json.Unmarshal(mb, &manifest); err != nil {
		return 0, &redshiftFailure{code: codeRedshiftDataLoadFailed, message: "The manifest is not valid JSON: " + err.Error()}
	}
	conn, fail := p.redshiftConnect(ctx, r)
	if fail != nil {
		return 0, fail
	}
	table, cols, fail := redshiftColumns(ctx, conn, r)
	if fail != nil {
		if conn.IsClosed() {
			p.closeRedshift()
		}
		return 0, fail
	}
	var paths []byte
	if u := r.opts.JSONPaths; u != "" {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(u, "s3://"), "/")
		if paths, err = get(bucket, key); err != nil {
			return 0, &redshiftFailure{code: codeRedshiftIncorrectJSONPaths, message: fmt.Sprintf("The JSONPaths file %s cannot be read: %v", u, err)}
		}
	}
	tr, err := r.opts.NewTranslator(cols, paths)
	if err != nil {
		return 0, &redshiftFailure{code: codeRedshiftIncorrectJSONPaths, message: err.Error()}
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = pgx.Identifier{c.Name}.Sanitize()
	}
	sql := "COPY " + table + " (" + strings.Join(names, ", ") + ") FROM STDIN"
	// The objects are read and translated while PostgreSQL loads what is
	// translated already: one COPY statement, so one transaction. A row
	// that cannot be translated ends the COPY with an error, which rolls
	// it back.
	pr, pw := io.Pipe()
	tr.SetSink(pw)
	var readFail *redshiftFailure
	done := make(chan struct{})
	go func() {
		defer close(done)
		readFail = translateObjects(manifest.Entries, tr, get, r.table)
		if readFail == nil {
			if err := tr.Flush(); err != nil {
				pw.CloseWithError(err)
				return
			}
			pw.Close()
			return
		}
		pw.CloseWithError(errors.New(readFail.message))
	}()
	_, err = conn.PgConn().CopyFrom(ctx, pr, sql)
	pr.CloseWithError(errCopyEnded) // a writer still translating stops
	<-done
	if readFail != nil && !errors.Is(readFail.cause, errCopyEnded) {
		return 0, readFail
	}
	if err != nil {
		if conn.IsClosed() {
			p.closeRedshift()
		}
		return 0, pgFailure(err, r)
	}
	return tr.Rows, nil
}

// errCopyEnded stops a translation whose COPY has ended (failed).
var errCopyEnded = errors.New("the COPY ended")

// manifestEntry is one object a COPY manifest lists.
type manifestEntry struct {
	URL       string `json:"url"`
	Mandatory bool   `json:"mandatory"`
}

// translateObjects reads each object the manifest lists and translates it.
func translateObjects(entries []manifestEntry, tr *redshiftcopy.Translator, get func(bucket, key string) ([]byte, error), table string) *redshiftFailure {
	for _, e := range entries {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(e.URL, "s3://"), "/")
		data, err := get(bucket, key)
		if err != nil {
			if !e.Mandatory {
				continue
			}
			return &redshiftFailure{code: codeRedshiftMissingS3File, message: fmt.Sprintf("The manifest lists %s, which cannot be read: %v", e.URL, err)}
		}
		if err := tr.Add(e.URL, data); err != nil {
			var se *redshiftcopy.SinkError
			if errors.As(err, &se) {
				return &redshiftFailure{code: codeRedshiftDataLoadFailed, message: err.Error(), cause: se.Err}
			}
			return &redshiftFailure{code: codeRedshiftDataLoadFailed, message: fmt.Sprintf("Load into table '%s' failed: %v", table, err)}
		}
	}
	return nil
}

// redshiftColumns finds DataTableName (Redshift's and PostgreSQL's
// identifier rules are the same: unquoted names fold to lower case) and
// reads the target columns: DataTableColumns in their order, or every
// column of the table. table is the table's name as SQL, quoted as needed.
func redshiftColumns(ctx context.Context, conn *pgx.Conn, r *redshiftConfig) (table string, _ []redshiftcopy.Column, _ *redshiftFailure) {
	var oid *uint32
	var name *string
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1)::oid, to_regclass($1)::text", r.table).Scan(&oid, &name); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42602" { // invalid_name
			return "", nil, &redshiftFailure{code: codeRedshiftSyntaxError, message: fmt.Sprintf("CopyCommand.DataTableName '%s' is not a table name: %s", r.table, pe.Message)}
		}
		return "", nil, pgFailure(err, r)
	}
	if oid == nil || name == nil {
		return "", nil, &redshiftFailure{code: codeRedshiftTableNotFound, message: fmt.Sprintf("The table '%s' doesn't exist or is not visible to the user %s in the database %s.", r.table, r.user, r.database)}
	}
	table = *name
	rows, err := conn.Query(ctx, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum", *oid)
	if err != nil {
		return "", nil, pgFailure(err, r)
	}
	var all []redshiftcopy.Column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return "", nil, pgFailure(err, r)
		}
		kind, maxLen := redshiftcopy.KindOf(typ)
		all = append(all, redshiftcopy.Column{Name: name, Kind: kind, MaxLen: maxLen})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", nil, pgFailure(err, r)
	}
	if len(r.columns) == 0 {
		return table, all, nil
	}
	out := make([]redshiftcopy.Column, 0, len(r.columns))
	for _, want := range r.columns {
		name := strings.ToLower(want) // unquoted identifiers fold to lower case
		if len(want) >= 2 && want[0] == '"' && want[len(want)-1] == '"' {
			name = strings.ReplaceAll(want[1:len(want)-1], `""`, `"`)
		}
		found := false
		for _, c := range all {
			if c.Name == name {
				out, found = append(out, c), true
				break
			}
		}
		if !found {
			return "", nil, &redshiftFailure{code: codeRedshiftColumnNotFound, message: fmt.Sprintf("The column '%s' in CopyCommand.DataTableColumns doesn't exist in the table '%s'.", want, r.table)}
		}
	}
	return table, out, nil
}

// pgFailure maps a PostgreSQL or connection error to Redshift's error code.
func pgFailure(err error, r *redshiftConfig) *redshiftFailure {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Detail != "" {
			msg += " (" + pe.Detail + ")"
		}
		if pe.Where != "" {
			msg += " [" + pe.Where + "]"
		}
		code := codeRedshiftDataLoadFailed
		switch {
		case pe.Code == "42P01":
			code = codeRedshiftTableNotFound
		case pe.Code == "42703":
			code = codeRedshiftColumnNotFound
		case pe.Code == "3D000":
			code = codeRedshiftDatabaseNotFound
		case pe.Code == "28P01" || pe.Code == "28000":
			code = codeRedshiftAuthFailed
		case pe.Code == "42501":
			code = codeRedshiftInsufficientPrivile
		case pe.Code == "25006":
			code = codeRedshiftReadOnly
		case pe.Code == "53100":
			code = codeRedshiftDiskFull
		case pe.Code == "42601":
			code = codeRedshiftSyntaxError
		case pe.Code == "22P04" || pe.Code == "42P10":
			code = codeRedshiftColumnMismatch
		case strings.HasPrefix(pe.Code, "08"):
			code = codeRedshiftConnectionFailed
		}
		return &redshiftFailure{code: code, message: fmt.Sprintf("%s: %s", pe.Code, msg)}
	}
	if pgconn.Timeout(err) {
		return &redshiftFailure{code: codeRedshiftConnectionFailed, message: "The cluster did not answer in time: " + err.Error()}
	}
	return &redshiftFailure{code: codeRedshiftConnectionFailed, message: "Firehose could not connect to the cluster " + r.logName + ": " + err.Error()}
}
