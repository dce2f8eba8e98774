package engine

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/joinorder"
)

// The Go collector sets its next goal at (1 + GOGC/100) times the heap
// that was live after the last collection. Between runs flern's heap is
// small (results go to the caller; readers collect before large scans to
// reuse memory), so at the start of a query the goal is a few MiB and a
// query that streams a few hundred MiB of decoded pages through its
// operators collected ten times or more, each collection stopping every
// worker (TPC-H Q9 at SF1: 35 collections in two runs). The tuner gives the
// goal a floor while a run that scans much data is in progress: after every
// collection it sets GOGC so that the next goal is at least the floor (GOGC
// = 100 once the live heap alone is half the floor), which bounds the
// garbage waiting at any time by the floor instead of by a multiple of a
// large live heap. Runs that scan less than gcBigScan bytes (estimated from
// the files' row counts and the columns read) keep GOGC = 100: a floor buys
// them nothing and costs their peak memory (TPC-H q11, q16, q22: +80-120 MiB
// with it). FLERN_GC_FLOOR (bytes; 0 off) changes the floor; a GOGC set in
// the environment turns the tuner off.

// gcFloorDefault is the default floor of the collector's goal.
const gcFloorDefault = 64 << 20

// gcBigScan is the estimated scan volume (bytes) from which a run gets the
// floor.
const gcBigScan = 128 << 20

var (
	gcTunerOnce sync.Once
	gcTunerOn   *gcTuner     // nil: off
	bigRuns     atomic.Int32 // runs in progress that scan at least gcBigScan bytes
)

// scanBytes estimates the bytes the scans of g read: file rows x columns x 8.
func scanBytes(g *ir.Graph) int64 {
	var total int64
	for _, n := range g.Nodes {
		f := joinorder.ScanRows[n.Op]
		if f == nil || n.Schema == nil {
			continue
		}
		if rows, ok := f(n.Attrs); ok {
			total += rows * int64(len(n.Schema.Fields)+len(n.Schema.Index)) * 8
		}
	}
	return total
}

// bigRun marks a run of p as in progress for the tuner when it scans at
// least gcBigScan bytes (estimated once per program); the returned function
// ends it.
func bigRun(p *Program) func() {
	t := gcTunerOn
	if t == nil {
		return func() {}
	}
	p.scanOnce.Do(func() { p.scanned = scanBytes(p.Graph) })
	if p.scanned < gcBigScan {
		return func() {}
	}
	bigRuns.Add(1)
	t.tune()
	return func() {
		bigRuns.Add(-1)
		t.tune()
	}
}

// startGCTuner starts the tuner once per process (see above).
func startGCTuner() {
	gcTunerOnce.Do(func() {
		if os.Getenv("GOGC") != "" {
			return
		}
		floor := uint64(gcFloorDefault)
		if s := os.Getenv("FLERN_GC_FLOOR"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return
			}
			floor = v
		}
		if floor == 0 {
			return
		}
		t := &gcTuner{floor: floor, percent: 100, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
		gcTunerOn = t
		t.arm()
	})
}

type gcTuner struct {
	floor   uint64
	mu      sync.Mutex // tune runs from the finalizer goroutine and from runs starting or ending
	percent int
	sample  []metrics.Sample
}

// arm registers a finalizer on a fresh object, which runs after the next
// collection; it retunes and arms again.
func (t *gcTuner) arm() {
	s := new([16]byte)
	runtime.SetFinalizer(s, func(*[16]byte) {
		t.tune()
		t.arm()
	})
}

// tune sets GOGC from the heap live after the last collection (100 when no
// big run is in progress).
func (t *gcTuner) tune() {
	t.mu.Lock()
	defer t.mu.Unlock()
	metrics.Read(t.sample)
	live := uint64(0)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	p := 100
	if bigRuns.Load() > 0 && live < t.floor/2 {
		p = int(min(uint64(100*(t.floor-live)/max(live, 1<<20)), 10000))
		p = max(p, 100)
	}
	// retune only on a real change (SetGCPercent takes the heap lock)
	if p != t.percent && (p > t.percent*5/4 || p < t.percent*4/5 || p == 100) {
		t.percent = p
		debug.SetGCPercent(p)
	}
}
