// Package playground runs Atlas against a local Slack: local-slack, a
// throwaway Slack workspace with a web UI, the Web API, Socket Mode and a
// control API for scripted tests (internal/playground/localslack holds its
// pinned npm package and the demo workspace).
//
// StartLocalSlack starts the binary as a child process; the bot then
// connects with slack.OptionAPIURL(ls.APIURL()) and the workspace's tokens
// (LoadWorkspace), and a person watches and acts in ls.URL(). Client drives
// the workspace the way a person would: slash commands, messages, button
// clicks, modal submissions and the App Home.
package playground

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Dir is where the local-slack npm package and the demo workspace live,
// relative to the repository root.
const Dir = "internal/playground/localslack"

// InstallHint says how to install the binary; errors about a missing binary
// carry it.
const InstallHint = "npm ci --prefix " + Dir

// ErrNotInstalled is returned (wrapped) when the local-slack binary is not
// under Dir/node_modules.
var ErrNotInstalled = errors.New("local-slack is not installed; run: " + InstallHint)

// Options says how to start local-slack. The zero value starts the demo
// workspace on a free port, found from the working directory.
type Options struct {
	Root     string        // repository root; "" = the nearest parent of the working directory with a go.mod
	Binary   string        // the local-slack executable; "" = FindBinary(Root)
	Config   string        // workspace config (JSON or YAML); "" = Root/Dir/workspace.json
	Port     int           // 0 = a free port on 127.0.0.1
	BaseHost string        // host the bot uses to reach it (ws:// and response_url); "" = 127.0.0.1
	FilesDir string        // where uploaded files are kept; "" = a temp dir local-slack removes on exit
	Output   io.Writer     // the child's stdout and stderr; nil = discarded (the tail still goes into start errors)
	Timeout  time.Duration // how long to wait for it to answer; 0 = 15s
}

// LocalSlack is a running local-slack child process.
type LocalSlack struct {
	*Client
	config string
	cmd    *exec.Cmd
	done   chan struct{}
	err    error // from cmd.Wait, read after done is closed
	stop   sync.Once
}

// StartLocalSlack starts local-slack and returns once it answers on its
// control API. Cancelling ctx stops it too.
func StartLocalSlack(ctx context.Context, opts Options) (*LocalSlack, error) {
	if opts.Root == "" {
		root, err := FindRoot()
		if err != nil {
			return nil, err
		}
		opts.Root = root
	}
	if opts.Binary == "" {
		bin, err := FindBinary(opts.Root)
		if err != nil {
			return nil, err
		}
		opts.Binary = bin
	}
	if opts.Config == "" {
		opts.Config = filepath.Join(opts.Root, Dir, "workspace.json")
	}
	if opts.BaseHost == "" {
		opts.BaseHost = "127.0.0.1"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 15 * time.Second
	}
	// A free port can be taken between our probe and the child's bind: try
	// again with another one when the child dies before it answers.
	attempts := 1
	if opts.Port == 0 {
		attempts = 3
	}
	var err error
	for range attempts {
		var ls *LocalSlack
		if ls, err = start(ctx, opts); err == nil {
			return ls, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func start(ctx context.Context, opts Options) (*LocalSlack, error) {
	port := opts.Port
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	args := []string{"--config", opts.Config, "--port", strconv.Itoa(port), "--base-host", opts.BaseHost}
	if opts.FilesDir != "" {
		args = append(args, "--files-dir", opts.FilesDir)
	}
	tail := &tailWriter{max: 4096}
	var out io.Writer = tail
	if opts.Output != nil {
		out = io.MultiWriter(tail, opts.Output)
	}
	cmd := exec.CommandContext(ctx, opts.Binary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start local-slack: %w", err)
	}
	ls := &LocalSlack{
		Client: NewClient("http://" + net.JoinHostPort(opts.BaseHost, strconv.Itoa(port))),
		config: opts.Config,
		cmd:    cmd,
		done:   make(chan struct{}),
	}
	go func() { ls.err = cmd.Wait(); close(ls.done) }()

	deadline := time.Now().Add(opts.Timeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := ls.State(pctx)
		cancel()
		if err == nil {
			return ls, nil
		}
		select {
		case <-ls.done:
			return nil, fmt.Errorf("local-slack exited before answering (%v):\n%s", ls.err, tail)
		case <-ctx.Done():
			_ = ls.Stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = ls.Stop()
			return nil, fmt.Errorf("local-slack did not answer on %s within %v: %v\n%s", ls.URL(), opts.Timeout, err, tail)
		}
	}
}

// ConfigPath is the workspace config it was started with (see LoadWorkspace).
func (ls *LocalSlack) ConfigPath() string { return ls.config }

// Done is closed when the process has exited.
func (ls *LocalSlack) Done() <-chan struct{} { return ls.done }

// Stop ends the process (SIGTERM, then SIGKILL after 5s) and waits for it.
// It is safe to call more than once.
func (ls *LocalSlack) Stop() error {
	ls.stop.Do(func() {
		select {
		case <-ls.done:
			return
		default:
		}
		_ = ls.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-ls.done:
		case <-time.After(5 * time.Second):
			_ = ls.cmd.Process.Kill()
			<-ls.done
		}
	})
	<-ls.done
	var exit *exec.ExitError
	switch {
	case errors.As(ls.err, &exit) && (exit.ExitCode() == -1 || exit.ExitCode() == 143):
		return nil // our signal ended it: local-slack exits 143 on SIGTERM
	case errors.Is(ls.err, context.Canceled), errors.Is(ls.err, context.DeadlineExceeded):
		return nil // the start context was cancelled and stopped it
	}
	return ls.err
}

// FindRoot returns the nearest parent of the working directory that has a
// go.mod.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("playground: no go.mod above the working directory")
		}
		dir = parent
	}
}

// FindBinary returns the local-slack executable npm installed under
// root/Dir/node_modules for this platform, or an error wrapping
// ErrNotInstalled.
func FindBinary(root string) (string, error) {
	nm := filepath.Join(root, Dir, "node_modules")
	platform := map[string]string{
		"linux/amd64": "linux-x64", "linux/arm64": "linux-arm64",
		"darwin/amd64": "darwin-x64", "darwin/arm64": "darwin-arm64",
		"windows/amd64": "windows-x64",
	}[runtime.GOOS+"/"+runtime.GOARCH]
	exe := "local-slack"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	candidates := []string{filepath.Join(nm, ".bin", exe)}
	if platform != "" {
		candidates = append([]string{filepath.Join(nm, "local-slack-"+platform, "bin", exe)}, candidates...)
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w (looked for %s)", ErrNotInstalled, candidates[0])
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailWriter keeps the last max bytes written, for error messages.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// httpClient is shared by every Client: local-slack is on loopback, so a short
// timeout only guards against a hung child.
var httpClient = &http.Client{Timeout: 15 * time.Second}
