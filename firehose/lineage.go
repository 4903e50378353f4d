package firehose

import "github.com/firehose-local/firehose-local/delivery"

// RecordSeq is the lineage sequence number of a RecordId this server
// issued; false for any other string (never issued, another server's).
func (s *Service) RecordSeq(id string) (uint64, bool) { return s.ids.seqOf(id) }

// RecordID is the RecordId of lineage sequence number seq.
func (s *Service) RecordID(seq uint64) string { return s.ids.id(seq) }

// LastRecordSeq is the last sequence number issued.
func (s *Service) LastRecordSeq() uint64 { return s.ids.last() }

// acceptedSeqs are the sequence numbers of the accepted records (nil
// result) of a call.
func acceptedSeqs(seqs delivery.Seqs, results []error) delivery.Seqs {
	if seqs.Base == 0 && seqs.List == nil {
		return seqs
	}
	var out []uint64
	for i, r := range results {
		if r == nil {
			if seqs.List != nil {
				out = append(out, seqs.List[i])
			} else {
				out = append(out, seqs.Base+uint64(i))
			}
		}
	}
	return delivery.Seqs{List: out}
}
