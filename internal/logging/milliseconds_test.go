package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestDurationsLoggedAsMilliseconds(t *testing.T) {
	t.Parallel()
	for _, secrets := range [][]string{nil, {"xoxb-123456-abcdefSECRET"}} {
		var buf bytes.Buffer
		log := New(&buf, Options{Format: "json", Secrets: secrets})
		log.With("timeout", 30*time.Second).WithGroup("http").Info("done",
			"took", 1500*time.Microsecond, "wait_ms", 2*time.Millisecond, "count", 3, "note", "1s")
		var rec map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			t.Fatalf("%v: %s", err, buf.String())
		}
		if got := rec["timeout_ms"]; got != 30000.0 {
			t.Errorf("timeout_ms = %v, want 30000 in %s", got, buf.String())
		}
		group, _ := rec["http"].(map[string]any)
		if got := group["took_ms"]; got != 1.5 {
			t.Errorf("http.took_ms = %v, want 1.5 in %s", got, buf.String())
		}
		if got := group["wait_ms"]; got != 2.0 {
			t.Errorf("http.wait_ms = %v, want 2 (no second _ms) in %s", got, buf.String())
		}
		if group["count"] != 3.0 || group["note"] != "1s" {
			t.Errorf("other attributes changed: %s", buf.String())
		}
		if strings.Contains(buf.String(), `"took"`) || strings.Contains(buf.String(), `"timeout"`) {
			t.Errorf("a duration kept its old key: %s", buf.String())
		}
	}
}

func TestMillisecondsText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	New(&buf, Options{Format: "text"}).Info("stopped", "took", 250*time.Millisecond)
	if !strings.Contains(buf.String(), "took_ms=250") {
		t.Fatalf("want took_ms=250 in %q", buf.String())
	}
	if a := Milliseconds(slog.String("took", "5s")); a.Key != "took" || a.Value.String() != "5s" {
		t.Fatalf("a string attribute changed: %v", a)
	}
}
