package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/migrations"
)

const (
	testBotToken = "xoxb-999-888-binarytestsecret"
	testAppToken = "xapp-1-A999-888-binarytestsecret"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds atlasbot once for the package's tests.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "atlasbot-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "atlasbot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build atlasbot: %v", buildErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeBinary starts the built binary against PostgreSQL and the Slack
// stand-in, checks it serves health and Slack, then stops it with SIGTERM.
func TestServeBinary(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	fake := slackfake.New(t)
	dbURL, _ := pgtest.NewDatabase(t)
	addr := freeAddr(t)

	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"SLACK_BOT_TOKEN="+testBotToken,
		"SLACK_APP_TOKEN="+testAppToken,
		"SLACK_API_URL="+fake.APIURL(),
		"HTTP_ADDR="+addr,
		"LOG_LEVEL=debug",
		"ATLAS_ADMINS=UADMIN1",
	)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	waitFor(t, 30*time.Second, "healthz", exited, &logs, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v\n%s", err, resp, logs.String())
	}
	resp.Body.Close()
	var hout, herr bytes.Buffer
	if code := runMain(context.Background(), []string{"health"}, func(k string) string {
		if k == "HTTP_ADDR" {
			return addr
		}
		return ""
	}, &hout, &herr); code != 0 {
		t.Fatalf("atlasbot health: exit %d %s", code, herr.String())
	}

	// A real round trip through Socket Mode.
	fake.WaitForConnections(t, 1)
	// The answer comes in the acknowledgement when it is ready within
	// SLACK_COMMAND_ACK, else through the response_url.
	env := fake.SendSlashCommand(slack.SlashCommand{Command: "/atlas", Text: "help", UserID: "UADMIN1", ChannelID: "C1"})
	answer := string(env.WaitAck(t))
	if !strings.Contains(answer, "Atlas commands") {
		answer = string(fake.WaitForResponse(t, nil).Body)
	}
	if !strings.Contains(answer, "Atlas commands") {
		t.Fatalf("help over socket mode: %s\n%s", answer, logs.String())
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGTERM\n%s", logs.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	out := logs.String()
	for _, secret := range []string{testBotToken, testAppToken, "binarytestsecret"} {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret reached the log:\n%s", out)
		}
	}
	if !strings.Contains(out, `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", out)
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, exited chan error, logs *syncBuffer, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case err := <-exited:
			t.Fatalf("atlasbot exited while waiting for %s: %v\n%s", what, err, logs.String())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, logs.String())
		}
	}
}

// TestBadConfigExits2 runs the binary with bad settings: each stops it with
// exit code 2 and one line naming the variable.
func TestBadConfigExits2(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	good := []string{"DATABASE_URL=postgres://a@127.0.0.1:1/x", "SLACK_BOT_TOKEN=" + testBotToken, "SLACK_APP_TOKEN=" + testAppToken}
	cases := []struct {
		name    string
		env     []string
		wantVar string
	}{
		{"no database", good[1:], "DATABASE_URL"},
		{"bad log level", append(good, "LOG_LEVEL=chatty"), "LOG_LEVEL"},
		{"bad admins", append(good, "ATLAS_ADMINS=bob"), "ATLAS_ADMINS"},
		{"http mode without secret", append(good, "SLACK_MODE=http"), "SLACK_SIGNING_SECRET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "serve")
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tc.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit: %v, want code 2; stderr: %s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.wantVar) {
				t.Fatalf("want one line naming %s, got:\n%s", tc.wantVar, stderr.String())
			}
			if strings.Contains(stderr.String(), "binarytestsecret") {
				t.Fatal("a secret was printed")
			}
		})
	}
}

func TestConfigCheckMasksSecrets(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	env := map[string]string{"DATABASE_URL": "postgres://atlas:dbpassword99@127.0.0.1:5432/atlas",
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken}
	code := runMain(context.Background(), []string{"config", "check"}, func(k string) string { return env[k] }, &out, &errb)
	if code != 0 {
		t.Fatalf("config check: exit %d: %s", code, errb.String())
	}
	s := out.String()
	if strings.Contains(s, "binarytestsecret") || strings.Contains(s, "dbpassword99") {
		t.Fatalf("config check printed a secret:\n%s", s)
	}
	if !strings.Contains(s, "SLACK_BOT_TOKEN") || !strings.Contains(s, "xoxb-…") || !strings.Contains(s, "configuration OK") {
		t.Fatalf("config check output:\n%s", s)
	}
}

func TestHelpForEverySubcommand(t *testing.T) {
	t.Parallel()
	for _, c := range subcommands() {
		var out, errb bytes.Buffer
		code := runMain(context.Background(), []string{c.name, "--help"}, func(string) string { return "" }, &out, &errb)
		if code != 0 || !strings.Contains(out.String(), "Usage: atlasbot "+c.name) {
			t.Errorf("%s --help: exit %d, output %q %q", c.name, code, out.String(), errb.String())
		}
	}
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	url, _ := pgtest.EmptyDatabase(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	files, _ := fs.Glob(migrations.FS, "*.sql")
	n := len(files)
	var out, errb bytes.Buffer
	if code := runMain(context.Background(), []string{"migrate", "status"}, env, &out, &errb); code != 0 || !strings.Contains(out.String(), fmt.Sprintf("0 applied, %d pending", n)) {
		t.Fatalf("status before: %d %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := runMain(context.Background(), []string{"migrate", "up"}, env, &out, &errb); code != 0 {
		t.Fatalf("up: %d %s", code, errb.String())
	}
	out.Reset()
	if code := runMain(context.Background(), []string{"migrate", "status"}, env, &out, &errb); code != 0 || !strings.Contains(out.String(), fmt.Sprintf("%d applied, 0 pending", n)) {
		t.Fatalf("status after: %d %s", code, out.String())
	}
}
