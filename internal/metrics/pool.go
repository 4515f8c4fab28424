package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats is what the pool collector reads: *pgxpool.Pool's Stat.
type PoolStats interface {
	Stat() *pgxpool.Stat
}

// poolCollector reads the database pool's statistics at each scrape.
type poolCollector struct {
	pool PoolStats

	acquires, acquireSeconds, waits, waitSeconds, canceled *prometheus.Desc
	total, idle, acquired, constructing, max               *prometheus.Desc
}

// NewPoolCollector collects pool's statistics as atlas_db_pool_* metrics.
func NewPoolCollector(pool PoolStats) prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("atlas_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:           pool,
		acquires:       d("acquires_total", "Connections acquired from the pool."),
		acquireSeconds: d("acquire_seconds_total", "Time spent acquiring connections from the pool, waits included."),
		waits:          d("acquire_waits_total", "Acquires that found no idle connection and waited for one (to be released or made)."),
		waitSeconds:    d("acquire_wait_seconds_total", "Time spent waiting by acquires that found no idle connection."),
		canceled:       d("acquires_canceled_total", "Acquires cancelled by their context before a connection came."),
		total:          d("connections", "Connections open (idle, in use and being made)."),
		idle:           d("idle_connections", "Connections idle in the pool."),
		acquired:       d("acquired_connections", "Connections in use."),
		constructing:   d("constructing_connections", "Connections being made."),
		max:            d("max_connections", "The pool's size limit."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquires, c.acquireSeconds, c.waits, c.waitSeconds, c.canceled,
		c.total, c.idle, c.acquired, c.constructing, c.max} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(c.acquires, float64(s.AcquireCount()))
	counter(c.acquireSeconds, s.AcquireDuration().Seconds())
	counter(c.waits, float64(s.EmptyAcquireCount()))
	counter(c.waitSeconds, s.EmptyAcquireWaitTime().Seconds())
	counter(c.canceled, float64(s.CanceledAcquireCount()))
	gauge(c.total, float64(s.TotalConns()))
	gauge(c.idle, float64(s.IdleConns()))
	gauge(c.acquired, float64(s.AcquiredConns()))
	gauge(c.constructing, float64(s.ConstructingConns()))
	gauge(c.max, float64(s.MaxConns()))
}
