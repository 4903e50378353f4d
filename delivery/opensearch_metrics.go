package delivery

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// The metrics of an OpenSearch-family destination: DeliveryTo<kind>.Records,
// .Bytes, .Success and .DataFreshness, as Prometheus metrics named like the
// HTTP endpoint's (firehose_delivery_to_amazon_open_search_service_*,
// firehose_delivery_to_elasticsearch_*,
// firehose_delivery_to_amazon_open_search_serverless_*). Writes of error
// documents and of the AllDocuments backup count as DeliveryToS3.

type osDescs struct{ records, bytes, success, attempts, freshness *prometheus.Desc }

func newOSDescs(metric, cw string) osDescs {
	name := "firehose_delivery_to_" + metric
	return osDescs{
		records:   streamDesc(name+"_records_total", "Documents indexed (CloudWatch "+cw+".Records)."),
		bytes:     streamDesc(name+"_bytes_total", "Bytes of the documents indexed (CloudWatch "+cw+".Bytes)."),
		success:   streamDesc(name+"_success_total", "Documents indexed successfully (CloudWatch "+cw+".Success is this over attempts)."),
		attempts:  streamDesc(name+"_attempts_total", "Document index attempts, one per document in each bulk request, successful or not."),
		freshness: streamDesc(name+"_data_freshness_seconds", "Age of the oldest record not yet indexed (CloudWatch "+cw+".DataFreshness); 0 when none waits."),
	}
}

var osMetricDescs = map[OpenSearchKind]osDescs{
	OpenSearchService:    newOSDescs("amazon_open_search_service", "DeliveryToAmazonOpenSearchService"),
	Elasticsearch:        newOSDescs("elasticsearch", "DeliveryToElasticsearch"),
	OpenSearchServerless: newOSDescs("amazon_open_search_serverless", "DeliveryToAmazonOpenSearchServerless"),
}

// openSearchKind is the pipeline's OpenSearch kind, "" for other
// destinations.
func (p *Pipeline) openSearchKind() OpenSearchKind {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg.os == nil {
		return ""
	}
	return p.cfg.os.kind
}

// collectOpenSearch sends the metrics of an OpenSearch-family destination.
func (p *Pipeline) collectOpenSearch(ch chan<- prometheus.Metric, kind OpenSearchKind, freshness float64, l []string) {
	m, d := p.m, osMetricDescs[kind]
	counter := func(d *prometheus.Desc, v *atomic.Int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v.Load()), l...)
	}
	counter(d.records, &m.DelivRecords)
	counter(d.bytes, &m.DelivBytes)
	counter(d.success, &m.DelivSuccess)
	counter(d.attempts, &m.DelivAttempts)
	ch <- prometheus.MustNewConstMetric(d.freshness, prometheus.GaugeValue, freshness, l...)
	counter(descS3Records, &m.BackupRecords)
	counter(descS3Bytes, &m.BackupBytes)
	counter(descS3Success, &m.BackupSuccess)
	counter(descS3Attempts, &m.BackupAttempts)
}
