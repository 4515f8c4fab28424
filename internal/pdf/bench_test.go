package pdf

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkInvoice20Lines renders a one-page, 20-line invoice with the
// embedded DejaVu Sans, then the same invoice in maroto's built-in
// Helvetica as the floor it is measured against. Each reports its median
// render time (p50-ms); the second also reports how many times slower the
// built-in font is (helvetica/ttf).
//
//	go test -run='^$' -bench=Invoice20Lines ./internal/pdf/
func BenchmarkInvoice20Lines(b *testing.B) {
	doc := longInvoice(20)
	var ttf float64
	b.Run("embedded-ttf", func(b *testing.B) {
		ttf = medianRender(b, doc, Options{CreationDate: created})
		b.ReportMetric(ttf, "p50-ms")
	})
	b.Run("builtin-helvetica", func(b *testing.B) {
		p50 := medianRender(b, doc, Options{CreationDate: created, builtinFont: true})
		b.ReportMetric(p50, "p50-ms")
		if ttf > 0 {
			b.ReportMetric(p50/ttf, "helvetica/ttf")
		}
	})
}

// medianRender renders doc b.N times and returns the median in milliseconds.
func medianRender(b *testing.B, doc Document, opt Options) float64 {
	b.ReportAllocs()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := Render(doc, opt); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return float64(took[len(took)/2]) / float64(time.Millisecond)
}
