package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/playground"
)

var readyLine = regexp.MustCompile(`ready — open (http://127\.0\.0\.1:\d+)/archives/`)

var inboxLine = regexp.MustCompile(`email Atlas sends lands in the inbox at (http://127\.0\.0\.1:\d+/)`)

// TestPlaygroundSmoke runs `atlasbot run` with no Slack tokens, as `make
// run` does, then acts as a person in the local Slack: a slash command sent
// through its control API must come back answered by Atlas.
func TestPlaygroundSmoke(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dbURL, pool := pgtest.NewDatabase(t)
	httpAddr := freeAddr(t)
	cmd := exec.Command(bin, "run")
	cmd.Env = append(filteredEnv("SLACK_", "SMTP_", "PLAYGROUND_"), "DATABASE_URL="+dbURL, "PLAYGROUND_PORT=0", "PLAYGROUND_MAIL_PORT=0", "HTTP_ADDR="+httpAddr)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// The mail inbox is printed beside the Slack URL.
	var base, inbox string
	waitFor(t, 60*time.Second, "the playground to be ready", exited, &out, func() bool {
		logs := out.String()
		ready, mail := readyLine.FindStringSubmatch(logs), inboxLine.FindStringSubmatch(logs)
		if ready == nil || mail == nil {
			return false
		}
		base, inbox = ready[1], mail[1]
		return true
	})
	ls := playground.NewClient(base)
	if resp, err := http.Get(inbox + "api/email"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the inbox does not answer: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The demo practice is loaded, with one person in each role.
	var people int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM members WHERE practice_id = 'T0LEDGER'").Scan(&people); err != nil || people != 4 {
		t.Fatalf("demo team: %d people (%v)\n%s", people, err, out.String())
	}

	if err := ls.SendCommand(ctx, "U0BEA", "C0PRACTICE", "/atlas", "help"); err != nil {
		t.Fatal(err)
	}
	msg, err := ls.WaitForMessage(ctx, "C0PRACTICE", func(m playground.Message) bool {
		return strings.Contains(m.Text, "Atlas commands")
	})
	if err != nil {
		t.Fatalf("no answer to /atlas help: %v\n%s", err, out.String())
	}
	blocks := string(msg.Blocks)
	if !strings.Contains(blocks, "as *Staff*") || strings.Contains(blocks, "/atlas setup") {
		t.Fatalf("Bea (staff) should see the staff commands only: %s", blocks)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("playground still running 10 s after SIGTERM\n%s", out.String())
	}
	// local-slack went down with it.
	if resp, err := http.Get(base + "/_control/state"); err == nil {
		resp.Body.Close()
		t.Fatalf("local-slack still answers after atlasbot stopped")
	}
	// and so did maildev.
	if resp, err := http.Get(inbox + "api/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("maildev still answers after atlasbot stopped")
	}
}

// filteredEnv is the test's environment without variables starting with
// any of prefixes, so a developer's own Slack tokens or mail server cannot
// turn the playground into a real workspace run.
func filteredEnv(prefixes ...string) []string {
	var out []string
next:
	for _, kv := range os.Environ() {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
