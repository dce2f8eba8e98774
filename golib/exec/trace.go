package exec

// FLERN_EXEC_TRACE=1 prints one line per node to stderr as the runtime runs
// it: the op, the user's line, the rows produced, the time taken (wall, and
// the process's CPU time: on a loaded machine the wall time mostly shows the
// others), the process's resident memory after it (and its peak while the
// node ran, sampled every 5 ms) and the Go heap after it (and when an op fell
// back to the interpreter), to see where a query's time goes. FLERN_EXEC_PROFILE=path writes a CPU profile of each run (path.1,
// path.2, ...; read with go tool pprof).

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// traceOut receives the trace; nil when tracing is off. traceKernels
// (FLERN_EXEC_TRACE=2) also lists a prepared step's kernels one by one.
var (
	traceOut     io.Writer
	traceKernels bool
)

// profilePath is FLERN_EXEC_PROFILE, memProfilePath FLERN_EXEC_MEMPROFILE;
// profiles and memProfiles count the runs profiled.
var (
	profilePath    = os.Getenv("FLERN_EXEC_PROFILE")
	profiles       atomic.Int64
	memProfilePath = os.Getenv("FLERN_EXEC_MEMPROFILE")
	memProfiles    atomic.Int64
)

func init() {
	if v := os.Getenv("FLERN_EXEC_TRACE"); v != "" && v != "0" {
		traceOut = os.Stderr
		traceKernels = v == "2"
	}
	if memProfilePath != "" {
		runtime.MemProfileRate = 64 << 10
	}
}

// profileRun starts a CPU profile of one run when FLERN_EXEC_PROFILE is
// set; the returned function stops it (and writes the heap profile when
// FLERN_EXEC_MEMPROFILE is set).
func profileRun() func() {
	stop := cpuProfileRun()
	if memProfilePath == "" {
		return stop
	}
	return func() {
		stop()
		writeMemProfile()
	}
}

// cpuProfileRun starts a CPU profile of one run when FLERN_EXEC_PROFILE is
// set; the returned function stops it.
func cpuProfileRun() func() {
	if profilePath == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", profilePath, profiles.Add(1)))
	if err != nil {
		return func() {}
	}
	if pprof.StartCPUProfile(f) != nil { // another run is being profiled
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// writeMemProfile writes the heap profile to the next FLERN_EXEC_MEMPROFILE
// file (best effort: a profile that cannot be written is skipped).
func writeMemProfile() {
	f, err := os.Create(fmt.Sprintf("%s.%d", memProfilePath, memProfiles.Add(1)))
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
}

// peakSampler polls the resident memory every few milliseconds while a
// node runs (tracing only); stop returns the highest value seen.
func peakSampler() (stop func() int64) {
	done := make(chan struct{})
	peak := make(chan int64)
	go func() {
		hi := rssBytes()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				peak <- max(hi, rssBytes())
				return
			case <-t.C:
				hi = max(hi, rssBytes())
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-peak
	}
}

func traceNode(n *ir.Node, start time.Time, cpu0 time.Duration, out *any, peak func() int64) {
	rows := -1
	switch v := (*out).(type) {
	case *col.Frame:
		if v != nil {
			rows = v.N
		}
	case *col.Tensor:
		if v != nil {
			rows = v.Numel()
		}
	}
	fmt.Fprintf(traceOut, "flern exec: %-12s %8.1f ms %8.1f cpu-ms %10d rows %7d MiB rss (peak %d) %7d MiB heap  %s\n", n.Op, float64(time.Since(start).Microseconds())/1000, float64((cpuNow()-cpu0).Microseconds())/1000, rows, rssBytes()>>20, peak()>>20, heapBytes()>>20, n.Loc)
}

// cpuNow is the process's user + system CPU time (every thread: the node's
// workers, and the collector's while the node ran).
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssBytes is the process's resident set size (Linux; 0 elsewhere).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		return 0
	}
	return res * int64(os.Getpagesize())
}

// heapBytes is the Go heap in use (live and not yet collected objects).
func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
