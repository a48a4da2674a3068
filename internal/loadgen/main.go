// Command loadgen sends one GET to a URL from many clients at once for a
// while, as a signed-in person (a bearer token), and prints how many were
// answered, how fast, and the latencies; with -pid it also prints the
// resident memory of that process (its peak, VmHWM, and now, VmRSS) when
// the load ends. It is how docs/benchmarks.md measures `muster serve`
// from outside:
//
//	go run ./internal/loadgen -url http://127.0.0.1:8080/v1/orgs/ID/candidates -token T -c 32 -d 30s -pid PID
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "the URL to GET")
	token := flag.String("token", "", "a bearer token")
	clients := flag.Int("c", 32, "clients at once")
	dur := flag.Duration("d", 30*time.Second, "how long")
	pid := flag.Int("pid", 0, "a process whose resident memory to print at the end")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -url is required")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients}}
	var mu sync.Mutex
	var lat []time.Duration
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for range *clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
				req.Header.Set("Authorization", "Bearer "+*token)
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						fmt.Fprintln(os.Stderr, "loadgen:", err)
					}
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("%d requests in %v with %d clients: %.0f/s; statuses %v; p50 %v p99 %v max %v\n",
		len(lat), elapsed.Round(time.Millisecond), *clients, float64(len(lat))/elapsed.Seconds(), statuses, q(0.5), q(0.99), q(1))
	if *pid != 0 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM") || strings.HasPrefix(line, "VmRSS") {
				fmt.Println(strings.Join(strings.Fields(line), " "))
			}
		}
	}
}
