// Package metrics holds Atlas's Prometheus metrics: the Slack requests the
// router handles, the periodic jobs, the outbox, the calls to Slack's Web
// API and the database pool. The collectors are process-wide, like the
// work they count; the HTTP server registers them (Register) on the
// registry /metrics serves.
//
// Every label takes its values from a bounded set chosen by the code — a
// route key as registered, a job's name, a Slack method — never from what a
// person typed or an id in a request.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlas-practice/atlas/internal/buildinfo"
)

// Slack requests, by kind (command, block_actions, view_submission, …) and
// route: the route key as registered — "/atlas clients add", an action id
// or its prefix ("task.tick."), a callback id, an event type — or
// "unmatched".
var (
	SlackRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_slack_requests_total",
		Help: "Slack requests handled, by kind and route key.",
	}, []string{"kind", "route"})
	SlackRequestErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_slack_request_errors_total",
		Help: "Slack requests whose handler failed (an internal error, a panic or the database unreachable), by kind and route key.",
	}, []string{"kind", "route"})
	SlackRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "atlas_slack_request_duration_seconds",
		Help:    "Time from receiving a Slack request to its handler finishing (after the acknowledgement too), by kind and route key.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"kind", "route"})
)

// Periodic jobs, by job name.
var (
	JobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_job_runs_total",
		Help: "Periodic job slots run to completion (one per practice and slot), by job.",
	}, []string{"job"})
	JobFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_job_failures_total",
		Help: "Periodic job slots that failed and wait for the next tick, by job.",
	}, []string{"job"})
	JobMissedSlots = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_job_missed_slots_total",
		Help: "Periodic job slots skipped because a later one was already due (only the latest runs), by job.",
	}, []string{"job"})
	JobLag = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "atlas_job_lag_seconds",
		Help:    "How long after its scheduled time a periodic job slot started running, by job.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 900, 3600, 6 * 3600, 24 * 3600},
	}, []string{"job"})
	JobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "atlas_job_duration_seconds",
		Help:    "Time a periodic job slot took to run, by job.",
		Buckets: []float64{.01, .05, .1, .5, 1, 5, 15, 60, 300},
	}, []string{"job"})
)

// The outbox, by kind: "post" or "update".
var (
	OutboxQueued = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_outbox_queued_total",
		Help: "Outbox messages queued, by kind (post, update); counted when inserted, so a transaction that rolls back still counts.",
	}, []string{"kind"})
	OutboxSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_outbox_sent_total",
		Help: "Outbox messages sent to Slack, by kind (post, update).",
	}, []string{"kind"})
	OutboxFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_outbox_failed_total",
		Help: "Outbox delivery attempts that failed, by kind (post, update) and outcome (retry: tried again later; given_up: never sent).",
	}, []string{"kind", "outcome"})
)

// Slack's Web API, by method ("chat.postMessage", or "other").
var (
	SlackAPICalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_slack_api_requests_total",
		Help: "HTTP requests to Slack's Web API, by method and status code (\"error\" when no response came).",
	}, []string{"method", "code"})
	SlackAPIRateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atlas_slack_api_rate_limited_total",
		Help: "Slack Web API requests answered 429 Too Many Requests, by method.",
	}, []string{"method"})
	SlackAPIDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "atlas_slack_api_request_duration_seconds",
		Help:    "Time of HTTP requests to Slack's Web API, by method.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method"})
)

// BuildInfo is 1, labelled with the running binary's version, VCS revision
// and Go version.
var BuildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "atlas_build_info",
	Help: "Always 1; labelled with the binary's version, VCS revision and Go version.",
}, []string{"version", "revision", "goversion"})

func init() {
	b := buildinfo.Read()
	BuildInfo.WithLabelValues(b.Version, b.Revision, b.GoVersion).Set(1)
}

// Collectors lists every process-wide collector of this package.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		SlackRequests, SlackRequestErrors, SlackRequestDuration,
		JobRuns, JobFailures, JobMissedSlots, JobLag, JobDuration,
		OutboxQueued, OutboxSent, OutboxFailed,
		SlackAPICalls, SlackAPIRateLimited, SlackAPIDuration,
		BuildInfo,
	}
}

// Register registers the package's collectors on reg.
func Register(reg prometheus.Registerer) {
	reg.MustRegister(Collectors()...)
}
