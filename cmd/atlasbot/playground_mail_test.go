package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/mail"
)

// TestPlaygroundMail: without SMTP_HOST the playground's mail settings,
// read through the configuration as Atlas reads them, deliver to maildev's
// inbox; stop takes maildev down.
func TestPlaygroundMail(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	env := map[string]string{"PLAYGROUND_MAIL_PORT": "0"}
	pm, err := startPlaygroundMail(ctx, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			pm.stop()
		}
	})
	if pm.inbox == "" {
		t.Fatal("no inbox URL")
	}

	atlasEnv := map[string]string{
		"DATABASE_URL":    "postgres://atlas@127.0.0.1/atlas",
		"SLACK_BOT_TOKEN": "xoxb-test",
		"SLACK_APP_TOKEN": "xapp-test",
		// A developer's own mail settings are overridden by the playground's.
		"SMTP_USERNAME": "someone",
		"SMTP_TLS":      "tls",
	}
	cfg, err := config.Load(func(k string) string {
		if v, ok := pm.env[k]; ok {
			return v
		}
		return atlasEnv[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.TLS != "none" || cfg.SMTP.Username != "" || cfg.SMTP.From != defaultPlaygroundFrom {
		t.Errorf("SMTP settings %+v", cfg.SMTP)
	}
	sender, err := mail.NewSender(cfg.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(ctx, mail.Message{To: []string{"ada@client.test"}, Subject: "Hello from the playground", Text: "Hi."}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(pm.inbox + "api/email")
	if err != nil {
		t.Fatal(err)
	}
	var inbox []struct {
		Subject string `json:"subject"`
	}
	err = json.NewDecoder(resp.Body).Decode(&inbox)
	resp.Body.Close()
	if err != nil || len(inbox) != 1 || inbox[0].Subject != "Hello from the playground" {
		t.Fatalf("inbox %+v (%v), want the one message sent", inbox, err)
	}

	pm.stop()
	stopped = true
	if resp, err := http.Get(pm.inbox); err == nil {
		resp.Body.Close()
		t.Fatal("maildev still answers after stop")
	}
}

// TestPlaygroundMailUsesSMTPHost: with SMTP_HOST set nothing is started and
// the configuration is left alone.
func TestPlaygroundMailUsesSMTPHost(t *testing.T) {
	t.Parallel()
	pm, err := startPlaygroundMail(t.Context(), func(k string) string {
		return map[string]string{"SMTP_HOST": "smtp.example.com", "PLAYGROUND_MAIL_PORT": "nonsense"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pm.stop()
	if pm.inbox != "" || len(pm.env) != 0 {
		t.Errorf("with SMTP_HOST set: inbox %q, settings %v", pm.inbox, pm.env)
	}
}

func TestPlaygroundMailPortChecked(t *testing.T) {
	t.Parallel()
	_, err := startPlaygroundMail(t.Context(), func(k string) string {
		return map[string]string{"PLAYGROUND_MAIL_PORT": "70000"}[k]
	})
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) || cfgErr.Var != "PLAYGROUND_MAIL_PORT" {
		t.Fatalf("want a config error naming PLAYGROUND_MAIL_PORT, got %v", err)
	}
}
