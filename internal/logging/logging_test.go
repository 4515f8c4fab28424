package logging

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/config"
)

func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	const token = "xoxb-123456-abcdefSECRET"
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log := New(&buf, Options{Level: "debug", Format: format, Secrets: []string{token}})
			log.Info("calling slack with "+token, "token", token,
				"err", fmt.Errorf("auth failed for %s: %w", token, errors.New("invalid_auth")),
				"secret", config.Secret(token))
			log.With("header", "Bearer "+token).WithGroup("g").Debug("x", "v", []string{token})
			out := buf.String()
			if strings.Contains(out, token) {
				t.Fatalf("secret leaked into the log:\n%s", out)
			}
			if !strings.Contains(out, "[redacted]") {
				t.Fatalf("expected the redaction marker in:\n%s", out)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	var j, x bytes.Buffer
	New(&j, Options{Format: "json"}).Info("hello", "k", 1)
	New(&x, Options{Format: "text"}).Info("hello", "k", 1)
	if !strings.HasPrefix(j.String(), "{") || !strings.Contains(j.String(), `"msg":"hello"`) {
		t.Fatalf("json: %s", j.String())
	}
	if !strings.Contains(x.String(), "msg=hello") {
		t.Fatalf("text: %s", x.String())
	}
	var q bytes.Buffer
	New(&q, Options{Level: "warn"}).Info("hidden")
	if q.Len() != 0 {
		t.Fatalf("info logged at warn level: %s", q.String())
	}
}
