package config

import (
	"errors"
	"strings"
	"testing"
)

func env(over map[string]string) func(string) string {
	base := map[string]string{
		"DATABASE_URL":    "postgres://atlas:hunter2pw@127.0.0.1:5432/atlas",
		"SLACK_BOT_TOKEN": "xoxb-1111-2222-abcdefghijkl",
		"SLACK_APP_TOKEN": "xapp-1-A111-222-abcdefghijkl",
	}
	for k, v := range over {
		base[k] = v
	}
	return func(k string) string { return base[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackMode != ModeSocket || c.HTTPAddr != ":8080" || c.LogFormat != "json" || c.LogLevel != "info" || c.SMTP.Port != 587 {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"missing database", map[string]string{"DATABASE_URL": ""}, "DATABASE_URL"},
		{"database not postgres", map[string]string{"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"},
		{"bot token missing", map[string]string{"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"},
		{"bot token of the wrong kind", map[string]string{"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"},
		{"app token missing in socket mode", map[string]string{"SLACK_APP_TOKEN": ""}, "SLACK_APP_TOKEN"},
		{"signing secret missing in http mode", map[string]string{"SLACK_MODE": "http"}, "SLACK_SIGNING_SECRET"},
		{"unknown mode", map[string]string{"SLACK_MODE": "rtm"}, "SLACK_MODE"},
		{"bad api url", map[string]string{"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"},
		{"bad http addr", map[string]string{"HTTP_ADDR": "8080"}, "HTTP_ADDR"},
		{"bad shutdown timeout", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT"},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"bad log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"bad smtp port", map[string]string{"SMTP_PORT": "99999"}, "SMTP_PORT"},
		{"smtp host without sender", map[string]string{"SMTP_HOST": "mail.example.com"}, "SMTP_FROM"},
		{"bad smtp tls", map[string]string{"SMTP_TLS": "maybe"}, "SMTP_TLS"},
		{"bad admin id", map[string]string{"ATLAS_ADMINS": "U123,bob"}, "ATLAS_ADMINS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(env(tc.env))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a config error", err)
			}
			if ce.Var != tc.wantVar {
				t.Fatalf("error names %s, want %s (%v)", ce.Var, tc.wantVar, err)
			}
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "config: "+tc.wantVar+": ") {
				t.Fatalf("want one line naming the variable, got %q", err)
			}
		})
	}
}

func TestEffectiveMasksSecrets(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"SMTP_PASSWORD": "smtp-secret-value", "SLACK_SIGNING_SECRET": "0123456789abcdef0123"}))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, kv := range c.Effective() {
		all.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	for _, secret := range c.Secrets() {
		if strings.Contains(all.String(), secret) {
			t.Fatalf("effective config shows a secret %q:\n%s", secret, all.String())
		}
	}
	if len(c.Secrets()) != 5 {
		t.Fatalf("want 5 secrets (bot, app, signing, smtp, db password), got %d", len(c.Secrets()))
	}
	if !strings.Contains(all.String(), "SLACK_BOT_TOKEN=xoxb-…") {
		t.Fatalf("bot token should show its kind:\n%s", all.String())
	}
}

func TestPasswordInQueryMasked(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://atlas@db.example:5432/atlas?sslmode=require&password=querysecret1"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range c.Effective() {
		if strings.Contains(kv[1], "querysecret1") {
			t.Fatalf("%s shows the password: %s", kv[0], kv[1])
		}
	}
	found := false
	for _, s := range c.Secrets() {
		found = found || s == "querysecret1"
	}
	if !found {
		t.Fatal("a password in the query string must be scrubbed from logs too")
	}
}
