package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
	"github.com/muster-cms/muster/sim/simulate"
	"github.com/muster-cms/muster/workflows"
)

// Demo operator seeded by `muster dev`. Development only.
const (
	demoOperatorEmail    = "operator@muster.local"
	demoOperatorPassword = "muster-demo-operator"
)

// runDev starts everything a developer needs and stops what it started on
// Ctrl-C.
func runDev(ctx context.Context) error {
	if err := os.MkdirAll(".data", 0o700); err != nil {
		return err
	}
	keyFile := filepath.Join(".data", "codec.key")
	// The emailed links point at this API's development registration page.
	if os.Getenv("MUSTER_DEV_PAGES") == "" {
		os.Setenv("MUSTER_DEV_PAGES", "1")
	}
	if os.Getenv("MUSTER_CODEC_KEY") == "" && os.Getenv("MUSTER_CODEC_KEY_FILE") == "" {
		if err := ensureKeyFile(keyFile); err != nil {
			return err
		}
		os.Setenv("MUSTER_CODEC_KEY_FILE", keyFile)
	}
	cfg, err := loadConfig(true)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogLevel)

	uiURL := "(TEMPORAL_ADDRESS is set: use that cluster's UI)"
	if os.Getenv("TEMPORAL_ADDRESS") == "" {
		stop, err := startTemporal(cfg)
		if err != nil {
			return err
		}
		defer stop()
		uiURL = "http://localhost:8233 (or http://127.0.0.1:8233)"
	}
	if err := waitForTemporal(ctx, cfg.TemporalAddress); err != nil {
		return err
	}
	if err := ensureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	if err := db.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	pool, err := db.Open(ctx, cfg.AppDatabaseURL)
	if err != nil {
		return err
	}
	_, err = db.NewStore(pool, cfg.Sessions).EnsureOperator(ctx, demoOperatorEmail, demoOperatorPassword, time.Now())
	pool.Close()
	if err != nil {
		return fmt.Errorf("seed demo operator: %w", err)
	}
	cohort := loadDemoCohort(ctx, cfg, logger)
	if err := ctx.Err(); err != nil {
		return err
	}
	return serve(ctx, cfg, logger, func() {
		fmt.Printf(`
Muster is running. Ctrl-C stops everything started here.

  API             http://%[1]s   (OpenAPI document: http://%[1]s/openapi.yaml)
  Temporal Web UI %[2]s   (payloads decoded by the codec server)
  Codec server    http://%[3]s
  Temporal        %[4]s   namespace %[5]s, task queue %[6]s
  Outbox          %[7]s   (emails land here while MUSTER_SMTP_URL is unset: open the .txt
                  copy and follow its link to the development registration page)
  Demo operator   %[8]s / %[9]s
%[10]s
Try:
  curl -s -X POST http://%[1]s/v1/sessions -H 'Content-Type: application/json' \
    -d '{"email":"%[8]s","password":"%[9]s"}'
%[11]s
`, cfg.HTTPAddr, uiURL, cfg.CodecAddr, cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TaskQueue, cfg.OutboxDir, demoOperatorEmail, demoOperatorPassword,
			cohort.banner, cohort.try(cfg.HTTPAddr))
	})
}

// demoCohort is the synthetic cohort `muster dev` loads into an empty
// database, so that an organisation has candidates to list from the first
// run. Its people sign in with cohortPassword.
var demoCohort = simulate.Options{Seed: 1, Candidates: 200, Orgs: 5}

// demoPeople is what the banner says about the demo cohort.
type demoPeople struct {
	banner string // lines for the banner
	orgID  string // the organisation whose admin the banner names; "" when there is none
	admin  string // that admin's address
}

// loadDemoCohort loads demoCohort unless the database holds it already,
// and says how to sign in as its people. A database that holds other
// candidates or organisations is left as it is; any other failure is
// reported in the banner and the log, and the rest of dev goes on.
func loadDemoCohort(ctx context.Context, cfg config, logger *slog.Logger) demoPeople {
	o := demoCohort
	o.Now = time.Now()
	_, err := db.LoadCohort(ctx, cfg.DatabaseURL, o, db.LoadOptions{Password: cohortPassword, Conduct: cfg.CodeOfConduct})
	switch {
	case err == nil, errors.Is(err, db.ErrCohortLoaded):
	case sim.ErrorCode(err) == sim.ECONFLICT:
		return demoPeople{banner: "  Demo cohort     not loaded: the database holds other candidates or organisations (make clean starts afresh)\n"}
	default:
		logger.Warn("demo cohort not loaded", "error", err.Error())
		return demoPeople{banner: fmt.Sprintf("  Demo cohort     not loaded: %v\n", err)}
	}
	org, candidate := demoAccounts(o, sim.VisibilityPolicy{KeepPlacedWithPlacer: cfg.KeepPlacedVisible})
	p := demoPeople{banner: fmt.Sprintf("  Demo cohort     %d synthetic candidates, %d organisations; every account's password is %s\n",
		o.Candidates, o.Orgs, cohortPassword)}
	if org != nil {
		p.orgID, p.admin = org.ID, org.Users[0].Email
		p.banner += fmt.Sprintf("                  organisation admin %s (%s)\n", p.admin, org.Details.Name)
	}
	if candidate != nil {
		p.banner += fmt.Sprintf("                  candidate          %s, who chose it\n", candidate.Email)
	}
	return p
}

// demoAccounts picks from the cohort o the active organisation that sees
// the most candidates under policy, and a candidate it sees; nil for none.
func demoAccounts(o simulate.Options, policy sim.VisibilityPolicy) (*simulate.Org, *simulate.Candidate) {
	cohort, err := simulate.Generate(o)
	if err != nil {
		return nil, nil
	}
	seen := map[string][]int{} // organisation ID → candidates it sees
	for i, c := range cohort.Candidates {
		facts := sim.CandidateFacts{Status: c.Status, Sharing: c.Sharing, Verification: c.Verification}
		for _, in := range c.Interests {
			if policy.OrgSees(facts, in.State) {
				seen[in.OrgID] = append(seen[in.OrgID], i)
			}
		}
	}
	var best *simulate.Org
	for j := range cohort.Orgs {
		org := &cohort.Orgs[j]
		if org.Details.Active && len(org.Users) > 0 && (best == nil || len(seen[org.ID]) > len(seen[best.ID])) {
			best = org
		}
	}
	if best == nil || len(seen[best.ID]) == 0 {
		return best, nil
	}
	return best, &cohort.Candidates[seen[best.ID][0]]
}

// try is the banner's example of the organisation admin's candidate list.
func (p demoPeople) try(addr string) string {
	if p.orgID == "" {
		return ""
	}
	return fmt.Sprintf(`
  TOKEN=$(curl -s -X POST http://%[1]s/v1/sessions -H 'Content-Type: application/json' \
    -d '{"email":"%[2]s","password":"%[3]s"}' | jq -r .token)
  curl -s "http://%[1]s/v1/organisations/%[4]s/candidates?limit=5" -H "Authorization: Bearer $TOKEN"
`, addr, p.admin, cohortPassword, p.orgID)
}

func ensureKeyFile(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600)
}

// startTemporal runs the Temporal dev server from ./bin with its Web UI and
// a file database under .data, and returns how to stop it.
func startTemporal(cfg config) (func(), error) {
	bin := filepath.Join("bin", "temporal")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no Temporal CLI at %s: run `make dev`, which builds it", bin)
	}
	host, port, err := net.SplitHostPort(cfg.TemporalAddress)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS: %w", err)
	}
	if c, err := net.DialTimeout("tcp", cfg.TemporalAddress, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("something already listens on %s: stop it, or set TEMPORAL_ADDRESS to use it", cfg.TemporalAddress)
	}
	logFile, err := os.OpenFile(filepath.Join(".data", "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, devServerArgs(cfg, host, port)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	return func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logFile.Close()
	}, nil
}

func waitForTemporal(ctx context.Context, addr string) error {
	deadline := time.Now().Add(90 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		c, err := client.DialContext(ctx, client.Options{HostPort: addr, Logger: quietTemporalLogger{}})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			c.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return errors.Join(fmt.Errorf("Temporal did not answer at %s within 90s (see .data/temporal.log)", addr), last)
}

type quietTemporalLogger struct{}

func (quietTemporalLogger) Debug(string, ...any) {}
func (quietTemporalLogger) Info(string, ...any)  {}
func (quietTemporalLogger) Warn(string, ...any)  {}
func (quietTemporalLogger) Error(string, ...any) {}

// devServerArgs are the arguments `muster dev` starts the Temporal dev
// server with: its SQLite database under .data with secure_delete on, so
// that what Temporal deletes (a closed workflow's history, once its
// namespace's retention passes) is overwritten, not left in free pages of
// the file; and Muster's search attributes.
func devServerArgs(cfg config, host, port string) []string {
	return append([]string{"server", "start-dev",
		"--ip", host, "--port", port, "--ui-port", "8233",
		"--db-filename", filepath.Join(".data", "temporal.db"),
		"--sqlite-pragma", "secure_delete=ON",
		"--namespace", cfg.TemporalNamespace,
		"--ui-codec-endpoint", "http://" + cfg.CodecAddr,
		"--log-level", "warn"}, workflows.DevServerFlags()...)
}
