package main

import (
	"math"
	"math/bits"
	"time"
)

// The histogram is log-linear, as in HdrHistogram: values below 2*subBuckets nanoseconds get a
// bucket each, and every further power of two is split into subBuckets equal parts, so a recorded
// value is known to within 1/subBuckets (1.6%) of itself over the whole int64 range. A fixed
// array keeps record free of allocation; each worker owns one and they are merged after the run.
const (
	subBits     = 6
	subBuckets  = 1 << subBits
	bucketCount = (64 - subBits + 1) * subBuckets
)

// histogram counts latencies. The zero value is empty and ready to use.
type histogram struct {
	counts   [bucketCount]uint64
	n        uint64
	min, max time.Duration
}

// bucketOf returns the index of the bucket holding v (v >= 0).
func bucketOf(v uint64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v>>shift lies in [subBuckets, 2*subBuckets)
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// lowest returns the smallest value that falls into bucket i.
func lowest(i int) uint64 {
	if i < 2*subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	return uint64(i%subBuckets+subBuckets) << shift
}

// highest returns the largest value that falls into bucket i.
func highest(i int) uint64 {
	if i+1 >= bucketCount {
		return math.MaxUint64
	}
	return lowest(i+1) - 1
}

// record counts one latency; negative durations (a clock step) count as zero.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.n++
	h.counts[bucketOf(uint64(d))]++
}

// merge adds every value counted by o to h.
func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

// quantile returns the value below or at which a fraction q (0 < q <= 1) of the recorded values
// lie, reported as the top of its bucket (as HdrHistogram's "highest equivalent value" does, so
// the answer never flatters) but never above the largest value recorded. Empty: 0.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(highest(i), uint64(h.max)))
		}
	}
	return h.max
}
