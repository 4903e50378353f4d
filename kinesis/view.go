package kinesis

import (
	"bytes"
	"sort"
	"time"
)

// A read-only view of every stream, for the web console: plain values,
// copied under the service's lock, that the caller may keep.

// StreamView is one data stream as the console shows it.
type StreamView struct {
	Region, Name, ARN string
	Status, Mode      string
	Created           time.Time
	RetentionHours    int
	Encryption        string // NONE or KMS
	KeyID             string
	OpenShards        int
	ClosedShards      int
	Shards            []ShardView // in creation order: parents first
	// Latest are the stream's newest records still within retention,
	// across its shards, newest first.
	Latest []RecordView
}

// ShardView is one shard of a stream.
type ShardView struct {
	ID, ParentID, AdjacentParentID string
	StartHashKey, EndHashKey       string // decimal
	Closed                         bool
	// StartingSequenceNumber and EndingSequenceNumber are the shard's
	// SequenceNumberRange as DescribeStream gives it (no end while open).
	StartingSequenceNumber string
	EndingSequenceNumber   string
	// Records are the records the shard keeps (within retention).
	Records int
}

// RecordView is one data record. Data is at most the limit View was given;
// Size is the record's whole size.
type RecordView struct {
	ShardID, SequenceNumber, PartitionKey string
	Arrival                               time.Time
	Data                                  []byte
	Size                                  int
}

// View describes every stream, sorted by region and name, each with its
// latest newest records; each record's data is cut to maxData bytes.
func (s *Service) View(latest, maxData int) []StreamView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StreamView, 0, len(s.streams))
	for _, st := range s.streams {
		v := StreamView{Region: st.Region, Name: st.Name, ARN: s.arn(st.Region, st.Name), Status: statusActive,
			Mode: st.Mode, Created: time.UnixMilli(st.Created), RetentionHours: st.Retention,
			Encryption: st.Encryption, KeyID: st.KeyID}
		cut := s.cutoff(st)
		var recs []RecordView
		for _, sh := range st.Shards {
			o := sh.out()
			kept := sh.kept(cut)
			v.Shards = append(v.Shards, ShardView{ID: o.ShardID, ParentID: o.ParentShardID, AdjacentParentID: o.AdjacentParentShardID,
				StartHashKey: sh.Start, EndHashKey: sh.End, Closed: sh.Closed,
				StartingSequenceNumber: o.SequenceNumberRange.StartingSequenceNumber,
				EndingSequenceNumber:   o.SequenceNumberRange.EndingSequenceNumber, Records: sh.log.len() - kept})
			if sh.Closed {
				v.ClosedShards++
			} else {
				v.OpenShards++
			}
			for i := max(kept, sh.log.len()-latest); i < sh.log.len(); i++ {
				r := sh.log.record(i)
				// Data shared for now: only the records shown are copied.
				recs = append(recs, RecordView{ShardID: o.ShardID, SequenceNumber: sh.seq(r.Counter), PartitionKey: r.Key,
					Arrival: time.UnixMilli(r.Arrival), Data: r.Data, Size: len(r.Data)})
			}
		}
		sort.SliceStable(recs, func(i, j int) bool {
			a, b := recs[i], recs[j]
			if !a.Arrival.Equal(b.Arrival) {
				return a.Arrival.After(b.Arrival)
			}
			if a.ShardID != b.ShardID {
				return a.ShardID < b.ShardID
			}
			return a.SequenceNumber > b.SequenceNumber
		})
		v.Latest = recs[:min(len(recs), latest)]
		for i := range v.Latest {
			v.Latest[i].Data = bytes.Clone(v.Latest[i].Data[:min(len(v.Latest[i].Data), maxData)])
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].Name < out[j].Name
	})
	return out
}
