package delivery

import "github.com/prometheus/client_golang/prometheus"

var (
	descRedshiftRecords  = streamDesc("firehose_delivery_to_redshift_records_total", "Records COPYed into the Redshift table (CloudWatch DeliveryToRedshift.Records).")
	descRedshiftBytes    = streamDesc("firehose_delivery_to_redshift_bytes_total", "Bytes COPYed into the Redshift table, before compression (CloudWatch DeliveryToRedshift.Bytes).")
	descRedshiftSuccess  = streamDesc("firehose_delivery_to_redshift_success_total", "Successful COPY commands (CloudWatch DeliveryToRedshift.Success is this over attempts).")
	descRedshiftAttempts = streamDesc("firehose_delivery_to_redshift_attempts_total", "COPY commands attempted, successful or not.")
)

// isRedshift reports whether the stream's destination is Redshift.
func (p *Pipeline) isRedshift() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg.redshift != nil
}

// RedshiftStats are a stream's COPYs into Redshift, for the console.
type RedshiftStats struct{ Records, Bytes, Success, Attempts int64 }

// RedshiftStats returns the stream's DeliveryToRedshift counters; ok is
// false when its destination is not Redshift.
func (p *Pipeline) RedshiftStats() (s RedshiftStats, ok bool) {
	m := p.m
	return RedshiftStats{m.RedshiftRecords.Load(), m.RedshiftBytes.Load(), m.RedshiftSuccess.Load(), m.RedshiftAttempts.Load()}, p.isRedshift()
}

func collectRedshift(ch chan<- prometheus.Metric, m *Metrics, l []string) {
	for _, c := range []struct {
		d *prometheus.Desc
		v int64
	}{
		{descRedshiftRecords, m.RedshiftRecords.Load()},
		{descRedshiftBytes, m.RedshiftBytes.Load()},
		{descRedshiftSuccess, m.RedshiftSuccess.Load()},
		{descRedshiftAttempts, m.RedshiftAttempts.Load()},
	} {
		ch <- prometheus.MustNewConstMetric(c.d, prometheus.CounterValue, float64(c.v), l...)
	}
}
