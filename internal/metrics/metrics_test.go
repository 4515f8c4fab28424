package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

func TestSlackMethod(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/api/chat.postMessage":            "chat.postMessage",
		"/api/views.open":                  "views.open",
		"/slack/api/users.info":            "users.info", // a local Slack's prefix
		"/upload/v1/CwABAAAAXAoAAAGT":      "other",      // a file's upload URL
		"/commands/T1/123/abc":             "other",      // a response_url
		"/api/":                            "other",
		"/api/chat.postMessage/../x?y=1":   "other",
		"/api/" + strings.Repeat("a.", 40): "other",
	} {
		if got := SlackMethod(path); got != want {
			t.Errorf("SlackMethod(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestSlackTransportCounts(t *testing.T) {
	t.Parallel()
	// Method names of the test's own, so other tests cannot move them.
	const ok, limited = "test.transportOk", "test.transportLimited"
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, limited) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer slack.Close()
	okBefore := counter(t, "atlas_slack_api_requests_total", ok, "200")
	limBefore := counter(t, "atlas_slack_api_rate_limited_total", limited)
	lim429Before := counter(t, "atlas_slack_api_requests_total", limited, "429")
	c := &http.Client{Transport: SlackTransport(nil)}
	for _, m := range []string{ok, ok, limited} {
		resp, err := c.Post(slack.URL+"/api/"+m, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := counter(t, "atlas_slack_api_requests_total", ok, "200") - okBefore; got != 2 {
		t.Errorf("%s 200s counted %v, want 2", ok, got)
	}
	if got := counter(t, "atlas_slack_api_rate_limited_total", limited) - limBefore; got != 1 {
		t.Errorf("%s 429s counted %v as rate limited, want 1", limited, got)
	}
	if got := counter(t, "atlas_slack_api_requests_total", limited, "429") - lim429Before; got != 1 {
		t.Errorf("%s 429s counted %v by code, want 1", limited, got)
	}
	// No answer at all is counted as an error.
	errBefore := counter(t, "atlas_slack_api_requests_total", ok, "error")
	if _, err := c.Get("http://127.0.0.1:1/api/" + ok); err == nil {
		t.Fatal("expected a connection error")
	}
	if got := counter(t, "atlas_slack_api_requests_total", ok, "error") - errBefore; got != 1 {
		t.Errorf("failed requests counted %v, want 1", got)
	}
}

// counter reads the value of name with the given label values, in the
// order the metric declares them, from the package's collectors.
func counter(t *testing.T, name string, values ...string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	Register(reg)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			have := map[string]bool{}
			for _, l := range m.GetLabel() {
				have[l.GetValue()] = true
			}
			for _, v := range values {
				if !have[v] {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestPoolCollector(t *testing.T) {
	t.Parallel()
	// Nothing connects until a connection is acquired.
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?pool_max_conns=7")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewPoolCollector(pool))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		m := f.GetMetric()[0]
		got[f.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	for _, name := range []string{"atlas_db_pool_acquires_total", "atlas_db_pool_acquire_seconds_total", "atlas_db_pool_acquire_waits_total",
		"atlas_db_pool_acquire_wait_seconds_total", "atlas_db_pool_acquires_canceled_total", "atlas_db_pool_connections",
		"atlas_db_pool_idle_connections", "atlas_db_pool_acquired_connections", "atlas_db_pool_constructing_connections"} {
		if v, ok := got[name]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0", name, v, ok)
		}
	}
	if got["atlas_db_pool_max_connections"] != 7 {
		t.Errorf("max connections = %v, want 7", got["atlas_db_pool_max_connections"])
	}
}

func TestRegisterTwice(t *testing.T) {
	t.Parallel()
	// Each server has its own registry; the collectors go on every one.
	for range 2 {
		reg := prometheus.NewPedanticRegistry()
		Register(reg)
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	}
}
