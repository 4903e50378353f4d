package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/internal/demo"
)

// demos are the demo runs the console started, by stream.
type demos struct {
	b    Backend
	mu   sync.Mutex
	runs map[string]*demoRun // region/name → the latest run
	wg   sync.WaitGroup
}

type demoRun struct {
	region string
	run    *demo.Run
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

func newDemos(b Backend) *demos { return &demos{b: b, runs: map[string]*demoRun{}} }

// errDemoRunning refuses a second run against the same stream.
var errDemoRunning = errors.New("a demo run is already sending to this stream")

// start begins a run against region/stream through the server's own
// Firehose API.
func (d *demos) start(region, stream string, rate int, duration time.Duration) error {
	run, err := demo.New(demo.Options{Client: d.b.FirehoseClient(region), Stream: stream, Rate: rate, Duration: duration})
	if err != nil {
		return err
	}
	key := region + "/" + stream
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.runs == nil {
		return errors.New("the server is stopping")
	}
	if old := d.runs[key]; old != nil {
		select {
		case <-old.done:
		default:
			return errDemoRunning
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	dr := &demoRun{region: region, run: run, cancel: cancel, done: make(chan struct{})}
	d.runs[key] = dr
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(dr.done)
		defer cancel()
		defer func() {
			// A failed run must not take the server down with it.
			if v := recover(); v != nil {
				dr.err = fmt.Errorf("demo run failed: %v", v)
			}
		}()
		dr.err = run.Run(ctx)
	}()
	return nil
}

// stop ends the run against region/stream, if one is going, and waits for
// it. It reports whether one was going.
func (d *demos) stop(region, stream string) bool {
	dr := d.active(region, stream)
	if dr == nil {
		return false
	}
	dr.cancel()
	<-dr.done
	return true
}

// stopAll stops every run, waits for them, and refuses new ones.
func (d *demos) stopAll() {
	d.mu.Lock()
	for _, dr := range d.runs {
		dr.cancel()
	}
	d.runs = nil
	d.mu.Unlock()
	d.wg.Wait()
}

// demoView is one run as the demo page shows it.
type demoView struct {
	Region string
	demo.Stats
	Error string
}

// list returns the runs, running ones first, then by stream.
func (d *demos) list() []demoView {
	d.mu.Lock()
	runs := make([]*demoRun, 0, len(d.runs))
	for _, dr := range d.runs {
		runs = append(runs, dr)
	}
	d.mu.Unlock()
	out := make([]demoView, 0, len(runs))
	for _, dr := range runs {
		v := demoView{Region: dr.region, Stats: dr.run.Stats()}
		select {
		case <-dr.done:
			v.Running = false
			if dr.err != nil {
				v.Error = dr.err.Error()
			}
		default:
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Running != out[j].Running {
			return out[i].Running
		}
		return out[i].Region+"/"+out[i].Stream < out[j].Region+"/"+out[j].Stream
	})
	return out
}

// running reports whether a run is sending to region/stream.
func (d *demos) running(region, stream string) bool { return d.active(region, stream) != nil }

// active returns the run sending to region/stream, or nil.
func (d *demos) active(region, stream string) *demoRun {
	d.mu.Lock()
	dr := d.runs[region+"/"+stream]
	d.mu.Unlock()
	if dr == nil {
		return nil
	}
	select {
	case <-dr.done:
		return nil
	default:
		return dr
	}
}

func (c *Console) demoPage(w http.ResponseWriter, r *http.Request) {
	streams := c.b.Streams()
	q := r.URL.Query()
	runs := c.demos.list()
	selected := q.Get("region") + "/" + q.Get("stream")
	sample := string(demo.NewGenerator(1).Next())
	c.render(w, r, http.StatusOK, layout{title: "Demo data", nav: "demo", live: 1000}, func(p *page) {
		demoContent(p, streams, runs, selected, 10, demo.MaxRate, sample)
	})
}

func (c *Console) demoStart(w http.ResponseWriter, r *http.Request) {
	region, stream, _ := strings.Cut(r.FormValue("stream"), "/")
	back := Prefix + "/demo"
	if region == "" || stream == "" {
		c.redirect(w, r, back, "", "Choose a delivery stream for the demo data.")
		return
	}
	rate, err := strconv.Atoi(strings.TrimSpace(r.FormValue("rate")))
	if err != nil || rate < 1 || rate > demo.MaxRate {
		c.redirect(w, r, back, "", fmt.Sprintf("The rate must be a whole number of records per second from 1 to %d.", demo.MaxRate))
		return
	}
	var duration time.Duration
	if s := strings.TrimSpace(r.FormValue("seconds")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 86400 {
			c.redirect(w, r, back, "", "The duration must be a whole number of seconds from 0 (until stopped) to 86400.")
			return
		}
		duration = time.Duration(n) * time.Second
	}
	if err := c.demos.start(region, stream, rate, duration); err != nil {
		c.redirect(w, r, back, "", "Could not start the demo for "+stream+": "+err.Error())
		return
	}
	c.redirect(w, r, back, fmt.Sprintf("Sending %d demo records per second to %s.", rate, stream), "")
}

func (c *Console) demoStop(w http.ResponseWriter, r *http.Request) {
	region, stream, _ := strings.Cut(r.FormValue("stream"), "/")
	if !c.demos.stop(region, stream) {
		c.redirect(w, r, Prefix+"/demo", "", "No demo run is sending to "+stream+".")
		return
	}
	c.redirect(w, r, Prefix+"/demo", "Stopped the demo for "+stream+".", "")
}
