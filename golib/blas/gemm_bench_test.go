package blas

import (
	"fmt"
	"syscall"
	"testing"
)

func cpuNanos() int64 {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return r.Utime.Nano() + r.Stime.Nano()
}

// stepGemms are the products of one step of the 256-512-512-10 classifier
// (batch 256) as the staged executor issues them: ta, tb, m, n, k.
var stepGemms = [][5]int{
	{0, 1, 256, 512, 256}, {0, 1, 256, 512, 512}, {0, 1, 256, 10, 512}, // forward (x @ W^T)
	{0, 0, 256, 512, 10}, {1, 0, 10, 512, 256}, // layer 3 backward
	{0, 0, 256, 512, 512}, {1, 0, 512, 512, 256}, // layer 2 backward (dW computed transposed)
	{1, 0, 512, 256, 256}, // layer 1 weight gradient
}

// BenchmarkStepGemms compares ways of running the classifier step's GEMMs on
// the machine's cores: goroutine blocks (per-worker block counts) and
// OpenBLAS's own threads.
func BenchmarkStepGemms(b *testing.B) {
	path := openblasPath()
	if path == "" {
		b.Skip("no OpenBLAS")
	}
	if err := Load(path); err != nil {
		b.Fatal(err)
	}
	type buf struct{ a, bb, c []float32 }
	bufs := make([]buf, len(stepGemms))
	for i, g := range stepGemms {
		m, n, k := g[2], g[3], g[4]
		bufs[i] = buf{make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)}
		for j := range bufs[i].a {
			bufs[i].a[j] = float32(j%7) * 0.1
		}
		for j := range bufs[i].bb {
			bufs[i].bb[j] = float32(j%5) * 0.1
		}
	}
	run := func() {
		for i, g := range stepGemms {
			ta, tb, m, n, k := g[0] == 1, g[1] == 1, g[2], g[3], g[4]
			lda, ldb := k, n
			if ta {
				lda = m
			}
			if tb {
				ldb = k
			}
			Sgemm(ta, tb, m, n, k, 1, bufs[i].a, lda, bufs[i].bb, ldb, 0, bufs[i].c, n)
		}
	}
	prevW, prevB := Workers(), blocksPerWorker
	defer func() { SetWorkers(prevW); blocksPerWorker = prevB; setLibThreads(1) }()
	for _, cfg := range []struct {
		w, bpw, lib int
	}{{1, 1, 1}, {2, 4, 1}, {2, 2, 1}, {2, 1, 1}, {1, 1, 2}} {
		b.Run(fmt.Sprintf("workers=%d/blocks=%d/libthreads=%d", cfg.w, cfg.bpw, cfg.lib), func(b *testing.B) {
			SetWorkers(cfg.w)
			blocksPerWorker = cfg.bpw
			setLibThreads(cfg.lib)
			c := cpuNanos()
			for i := 0; i < b.N; i++ {
				run()
			}
			b.ReportMetric(float64(cpuNanos()-c)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkPairGemms: the layer-2 backward pair (dX = g W, dW^T = ...) run
// split one after the other vs as two concurrent one-block calls.
func BenchmarkPairGemms(b *testing.B) {
	path := openblasPath()
	if path == "" {
		b.Skip("no OpenBLAS")
	}
	if err := Load(path); err != nil {
		b.Fatal(err)
	}
	g := make([]float32, 256*512)
	w := make([]float32, 512*512)
	h := make([]float32, 256*512)
	dx := make([]float32, 256*512)
	dw := make([]float32, 512*512)
	for i := range w {
		w[i] = float32(i%7) * 0.1
	}
	for i := range g {
		g[i], h[i] = float32(i%5)*0.1, float32(i%3)*0.1
	}
	one := func() { Sgemm(false, false, 256, 512, 512, 1, g, 512, w, 512, 0, dx, 512) }
	two := func() { Sgemm(true, false, 512, 512, 256, 1, h, 512, g, 512, 0, dw, 512) }
	prevW := Workers()
	defer SetWorkers(prevW)
	b.Run("serial", func(b *testing.B) {
		SetWorkers(1)
		c := cpuNanos()
		for i := 0; i < b.N; i++ {
			one()
			two()
		}
		b.ReportMetric(float64(cpuNanos()-c)/float64(b.N), "cpu-ns/op")
	})
	b.Run("split", func(b *testing.B) {
		SetWorkers(2)
		c := cpuNanos()
		for i := 0; i < b.N; i++ {
			one()
			two()
		}
		b.ReportMetric(float64(cpuNanos()-c)/float64(b.N), "cpu-ns/op")
	})
	b.Run("pair", func(b *testing.B) {
		SetWorkers(1)
		c := cpuNanos()
		for i := 0; i < b.N; i++ {
			done := make(chan struct{})
			go func() { two(); close(done) }()
			one()
			<-done
		}
		b.ReportMetric(float64(cpuNanos()-c)/float64(b.N), "cpu-ns/op")
	})
}
