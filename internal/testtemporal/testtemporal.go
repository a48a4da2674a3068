// Package testtemporal starts a real Temporal dev server for tests from the
// binary that `make` builds into ./bin, so tests never download anything.
package testtemporal

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/muster-cms/muster/workflows"
)

// BinaryPath finds the Temporal CLI: $MUSTER_TEMPORAL_BIN, or bin/temporal
// in the module root above the working directory.
func BinaryPath() (string, error) {
	if p := os.Getenv("MUSTER_TEMPORAL_BIN"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "temporal")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("no Temporal CLI at %s: run `make test` (or `make tools`), which builds it", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory, so no bin/temporal")
		}
		dir = parent
	}
}

// Start starts a dev server on free ports with in-memory persistence and
// Muster's search attributes. The caller stops it. It returns an error
// saying why when it cannot start.
func Start() (*testsuite.DevServer, error) { return StartOn("") }

// StartOn is Start on hostPort ("" for a free port): a test can start
// Temporal where a client has been waiting for it.
func StartOn(hostPort string) (*testsuite.DevServer, error) {
	path, err := BinaryPath()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  path,
		ClientOptions: &client.Options{HostPort: hostPort},
		LogLevel:      "error",
		Stdout:        os.Stderr,
		Stderr:        os.Stderr,
		ExtraArgs:     workflows.DevServerFlags(),
	})
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server from %s: %w", path, err)
	}
	return srv, nil
}

// Main is a TestMain for a package whose tests share one dev server: it
// starts the server, sets *addr to its address, runs the tests, stops the
// server and exits. who says what needs the server, for the failure
// message.
func Main(m *testing.M, addr *string, who string) {
	srv, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %s need a Temporal dev server: %v\n", who, err)
		os.Exit(1)
	}
	*addr = srv.FrontendHostPort()
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}

// UnusedAddr is a 127.0.0.1 address that nothing listens on, for a server
// a test starts later (StartOn) than it hands out the address: a port
// below the system's range of ephemeral ports, so that no port the system
// hands out in the meantime (to another test's server, or as the local
// end of a connection) can be this one.
func UnusedAddr() (string, error) {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	for range 100 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			return "", err
		}
		return addr, nil
	}
	return "", fmt.Errorf("no unused port below %d on 127.0.0.1", low)
}
