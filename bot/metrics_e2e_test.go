package bot_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/metrics"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/server"
)

// scrape reads /metrics from a server like the one atlasbot serve runs.
type scrape struct {
	t   *testing.T
	url string
}

func newScrape(t *testing.T, h *harness) *scrape {
	t.Helper()
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context) error { return nil })
	srv.Registry.MustRegister(metrics.NewPoolCollector(h.pool))
	hs := httptest.NewServer(srv.Router)
	t.Cleanup(hs.Close)
	return &scrape{t: t, url: hs.URL + "/metrics"}
}

// values returns every series on /metrics by its exposition name, such as
// `atlas_job_runs_total{job="x"}`.
func (s *scrape) values() map[string]float64 {
	s.t.Helper()
	resp, err := http.Get(s.url)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			s.t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetricsAfterRequestsAndJobs drives the real router through the Slack
// stand-in, the job engine and the outbox, and reads what they counted on
// /metrics. Route and job names are the test's own, so tests running
// alongside cannot disturb the counts.
func TestMetricsAfterRequestsAndJobs(t *testing.T) {
	t.Parallel()
	var probePool *pgxpool.Pool // the harness's, set once it is made
	h := newHarness(t, "socket", func(rt *slackapp.Router) {
		rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "metricsprobe", Usage: "/atlas metricsprobe", Route: slackapp.Anyone(
			func(ctx context.Context, r *slackapp.Request) error {
				if strings.TrimSpace(r.Text) == "fail" {
					return errors.New("probe failed")
				}
				return pgx.BeginFunc(ctx, probePool, func(tx pgx.Tx) error {
					return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(r.Practice.ID), Channel: "C0GENERAL",
						Render: "metricsprobe", Subject: outbox.Subject{Type: "probe", ID: 1, Purpose: "probe"}})
				})
			})})
		rt.HandleAction("metricsprobe.btn.", slackapp.Anyone(func(context.Context, *slackapp.Request) error { return nil }))
		rt.HandleRender("metricsprobe", func(context.Context, outbox.Post) (slackapp.Message, error) {
			return slackapp.Message{Text: "probe"}, nil
		})
	})
	probePool = h.pool
	s := newScrape(t, h)
	before := s.values()

	// The first contact makes the practice the jobs run for.
	h.command(adminID, "help")
	h.settle()

	// Periodic jobs, two hours on: one that runs, one that fails.
	reg := jobs.NewRegistry()
	for _, p := range []jobs.Periodic{
		{Name: "metricsprobe_ok", Spec: "0 * * * *", Run: func(context.Context, pgx.Tx, jobs.Practice, time.Time) error { return nil }},
		{Name: "metricsprobe_fail", Spec: "0 * * * *", Run: func(context.Context, pgx.Tx, jobs.Practice, time.Time) error { return errors.New("no") }},
	} {
		if err := reg.AddPeriodic(p); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := jobs.New(h.pool, log, jobs.Options{Registry: reg, Clock: atlas.NewFixedClock(time.Now().Add(2 * time.Hour)), Tick: "@every 1s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = e.Stop(ctx)
	}
	defer stop()
	deadline := time.Now().Add(60 * time.Second) // a leader is elected first
	runs, fails := `atlas_job_runs_total{job="metricsprobe_ok"}`, `atlas_job_failures_total{job="metricsprobe_fail"}`
	for v := s.values(); v[runs] <= before[runs] || v[fails] <= before[fails]; v = s.values() {
		if time.Now().After(deadline) {
			t.Fatal("the periodic jobs were not counted within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Stopped before the outbox's engine starts: one engine at a time is
	// leader, and this one has no outbox workers.
	stop()

	h.command(adminID, "metricsprobe")
	h.command(adminID, "metricsprobe fail")
	h.interact(map[string]any{
		"type":    "block_actions",
		"user":    map[string]any{"id": adminID, "name": "ada"},
		"actions": []any{map[string]any{"type": "button", "action_id": "metricsprobe.btn.42", "block_id": "b", "value": "x"}},
	})
	h.settle()
	h.deliver()

	after := s.values()
	delta := func(series string) float64 { return after[series] - before[series] }
	for series, want := range map[string]float64{
		`atlas_slack_requests_total{kind="command",route="/atlas metricsprobe"}`:                 2,
		`atlas_slack_request_errors_total{kind="command",route="/atlas metricsprobe"}`:           1,
		`atlas_slack_request_duration_seconds_count{kind="command",route="/atlas metricsprobe"}`: 2,
		`atlas_slack_requests_total{kind="action",route="metricsprobe.btn."}`:                    1,
		`atlas_slack_request_errors_total{kind="action",route="metricsprobe.btn."}`:              0,
	} {
		if got := delta(series); got != want {
			t.Errorf("%s went up by %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{
		`atlas_job_runs_total{job="metricsprobe_ok"}`,
		`atlas_job_lag_seconds_count{job="metricsprobe_ok"}`,
		`atlas_job_duration_seconds_count{job="metricsprobe_ok"}`,
		`atlas_job_failures_total{job="metricsprobe_fail"}`,
		`atlas_outbox_queued_total{kind="post"}`,
		`atlas_outbox_sent_total{kind="post"}`,
		`atlas_slack_api_requests_total{code="200",method="chat.postMessage"}`,
		`atlas_db_pool_acquires_total`,
	} {
		if delta(series) < 1 {
			t.Errorf("%s did not go up (before %v, after %v)", series, before[series], after[series])
		}
	}
	if lag := after[`atlas_job_lag_seconds_sum{job="metricsprobe_ok"}`]; lag <= 0 || lag > 3600 {
		t.Errorf("job lag %vs, want within the hour behind the clock", lag)
	}
	for series := range after {
		if strings.Contains(series, "42") && strings.HasPrefix(series, "atlas_slack_request") {
			t.Errorf("a request id reached a label: %s", series)
		}
	}
	if _, ok := after[`atlas_db_pool_max_connections`]; !ok {
		t.Error("no pool gauges on /metrics")
	}
}
