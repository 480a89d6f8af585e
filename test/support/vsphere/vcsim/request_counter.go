// The request counter: how many SOAP requests the simulator served, by method, so a benchmark can count what a
// client made it do (e.g. the operator, running as its own process, per snapshot lifecycle) from the outside.
// GET /vcsim-control/requests reports {"total": N, "byMethod": {"RetrieveProperties": n, ...}}.
package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io/ioutil"
	"log"
	"net/http"
	"sync"

	"github.com/vmware/govmomi/simulator"
)

type requestCounter struct {
	mu       sync.Mutex
	total    int
	byMethod map[string]int
}

func newRequestCounter() *requestCounter {
	return &requestCounter{byMethod: map[string]int{}}
}

func (c *requestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/sdk" {
			body, err := ioutil.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
			c.count(soapMethod(body))
		}
		next.ServeHTTP(w, r)
	})
}

func (c *requestCounter) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	c.byMethod[method]++
}

// soapMethod is the name of the first element inside the envelope's Body ("?" when there is none).
func soapMethod(body []byte) string {
	decoder := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		token, err := decoder.Token()
		if err != nil {
			return "?"
		}
		if start, ok := token.(xml.StartElement); ok {
			if inBody {
				return start.Name.Local
			}
			inBody = start.Name.Local == "Body"
		}
	}
}

// register adds the report endpoint to the simulator's mux (before the server starts).
func (c *requestCounter) register(service *simulator.Service) {
	service.HandleFunc("/vcsim-control/requests", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		report := struct {
			Total    int            `json:"total"`
			ByMethod map[string]int `json:"byMethod"`
		}{Total: c.total, ByMethod: map[string]int{}}
		for method, n := range c.byMethod {
			report.ByMethod[method] = n
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(report); err != nil {
			log.Printf("vcsim: requests report: %v", err)
		}
	})
}
