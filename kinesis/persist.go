package kinesis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
)

// The service's keys in its bucket of the state store:
//
//	streams/<region> NUL <stream>                              a stream with its shards (JSON)
//	records/<region> NUL <stream> NUL <shard number> NUL <counter>   a record (JSON)
//
// Shard numbers (12 digits) and counters (20 digits) are zero-padded, so a
// shard's records are in order. Names never hold a NUL (the model's
// pattern is [a-zA-Z0-9_.-]+).
var (
	streamBucket = []byte("streams")
	recordBucket = []byte("records")
)

const sep = "\x00"

func recordPrefix(region, name string) []byte { return []byte(region + sep + name + sep) }

func recordKey(region, name string, shardIndex int, counter uint64) []byte {
	return []byte(region + sep + name + sep + pad(uint64(shardIndex), 12) + sep + pad(counter, 20))
}

// change is one change to the state store, made in one transaction.
type change func(b *statestore.Bucket) error

// commit writes changes to the state store, if there is one, before they
// are made in memory: a change that fails is not made.
func (s *Service) commit(chs ...change) *awsjson.Error {
	if s.opts.State == nil {
		return nil
	}
	err := s.opts.State.Update(func(b *statestore.Bucket) error {
		for _, ch := range chs {
			if err := ch(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.opts.Logger.Warn("kinesis: saving the change failed", "error", err)
		return internalError(err)
	}
	return nil
}

// putStream saves st as it will be after the change (the caller passes a
// copy when the change is not made yet).
func putStream(st *stream) change {
	return func(b *statestore.Bucket) error {
		raw, err := json.Marshal(st)
		if err != nil {
			return err
		}
		sb, err := b.CreateBucketIfNotExists(streamBucket)
		if err != nil {
			return err
		}
		return sb.Put([]byte(streamKey(st.Region, st.Name)), raw)
	}
}

// record is a data record as stored.
type record struct {
	Counter    uint64 `json:"n"`
	Key        string `json:"k"`
	Data       []byte `json:"d"`
	Arrival    int64  `json:"t"` // Unix milliseconds
	Encryption string `json:"e,omitempty"`
}

// putRecords saves the entries put routes to the shard sh (results[i]
// says where entry i went).
func putRecords(st *stream, sh *shard, entries []putEntry, results []putResult, arrival int64, kms bool) change {
	return func(b *statestore.Bucket) error {
		rb, err := b.CreateBucketIfNotExists(recordBucket)
		if err != nil {
			return err
		}
		rb.SetAppending()
		r := record{Arrival: arrival}
		if kms {
			r.Encryption = "KMS"
		}
		for i, e := range entries {
			if results[i].shard != sh.Index {
				continue
			}
			r.Counter, r.Key, r.Data = results[i].counter, string(e.key), e.data
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := rb.Put(recordKey(st.Region, st.Name, sh.Index, r.Counter), raw); err != nil {
				return err
			}
		}
		return nil
	}
}

// dropRecords deletes the n oldest records of a shard, which retention
// trimmed.
func dropRecords(st *stream, sh *shard, n int) change {
	return func(b *statestore.Bucket) error {
		rb := b.Bucket(recordBucket)
		if rb == nil {
			return nil
		}
		for i := range n {
			if err := rb.Delete(recordKey(st.Region, st.Name, sh.Index, sh.log.at(i).counter)); err != nil {
				return err
			}
		}
		return nil
	}
}

// deleteStream removes a stream and all its records.
func deleteStream(region, name string) change {
	return func(b *statestore.Bucket) error {
		if sb := b.Bucket(streamBucket); sb != nil {
			if err := sb.Delete([]byte(streamKey(region, name))); err != nil {
				return err
			}
		}
		rb := b.Bucket(recordBucket)
		if rb == nil {
			return nil
		}
		prefix := recordPrefix(region, name)
		var doomed [][]byte
		err := rb.ForEach(func(k, _ []byte) error {
			if bytes.HasPrefix(k, prefix) {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := rb.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
}

// load reads streams and records from the state store.
func (s *Service) load() error {
	if s.opts.State == nil {
		return nil
	}
	return s.opts.State.View(func(b *statestore.Bucket) error {
		err := b.Bucket(streamBucket).ForEach(func(k, v []byte) error {
			st := &stream{}
			if json.Unmarshal(v, st) != nil {
				return fmt.Errorf("kinesis: damaged stream record %q in %s", k, s.opts.State.Path())
			}
			for i, sh := range st.Shards {
				sh.log = &recordLog{}
				if sh.Index != i || !sh.parse() {
					return fmt.Errorf("kinesis: damaged shard in stream record %q in %s", k, s.opts.State.Path())
				}
			}
			s.streams[streamKey(st.Region, st.Name)] = st
			return nil
		})
		if err != nil {
			return err
		}
		return b.Bucket(recordBucket).ForEach(func(k, v []byte) error {
			p := strings.Split(string(k), sep)
			r := &record{}
			if len(p) != 4 || json.Unmarshal(v, r) != nil || len(r.Key) > maxPartitionKey || len(r.Data) > maxData {
				return fmt.Errorf("kinesis: damaged record %q in %s", k, s.opts.State.Path())
			}
			st := s.streams[streamKey(p[0], p[1])]
			if st == nil {
				return nil // left by an interrupted delete
			}
			if sh := st.shard("shardId-" + p[2]); sh != nil {
				sh.log.add(r.Counter, r.Arrival, []byte(r.Key), r.Data, r.Encryption == "KMS")
			}
			return nil
		})
	})
}
