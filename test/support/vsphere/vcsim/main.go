// vcsim for vmsnap's tests: govmomi's vSphere API simulator (VPX model) on 127.0.0.1, serving TLS with its own
// certificate, which it writes as PEM so clients verify TLS instead of skipping verification. Counts the SOAP
// requests it serves (request_counter.go) and optionally gates snapshot tasks (snapshot_gate.go).
// Build (no network): GO111MODULE=off GOPATH=/usr/share/gocode go build -o vcsim .
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: a free port)")
	username := flag.String("username", "user", "the only accepted login user")
	password := flag.String("password", "pass", "the only accepted login password")
	certOut := flag.String("cert-out", "", "write the serving certificate (PEM) to this file")
	machines := flag.Int("machines", 2, "VMs per host and per resource pool")
	gateSnapshots := flag.Bool("gate-snapshot-tasks", false,
		"answer CreateSnapshot_Task with a running task that ends when POST /vcsim-control/release is called")
	flag.Parse()

	model := simulator.VPX()
	model.Machine = *machines
	if err := model.Create(); err != nil {
		log.Fatalf("vcsim: create model: %v", err)
	}
	defer model.Remove()
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned()}}
	counter := newRequestCounter()
	counter.register(model.Service)
	var gate *snapshotGate
	if *gateSnapshots {
		gate = newSnapshotGate()
		gate.register(model.Service)
	}
	server := model.Service.NewServer()
	defer server.Close()
	// NewServer serves its mux at once and /sdk cannot be registered twice, so counter and gate wrap the handler.
	// Nothing can connect yet: the port is announced on stdout only below.
	handler := server.Config.Handler
	if gate != nil {
		handler = gate.wrap(handler)
	}
	server.Config.Handler = counter.wrap(handler)

	if *certOut != "" {
		block := &pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}
		if err := ioutil.WriteFile(*certOut, pem.EncodeToMemory(block), 0o600); err != nil {
			log.Fatalf("vcsim: write certificate: %v", err)
		}
	}
	// The parent reads this one line to learn where to connect: nothing else goes to stdout.
	fmt.Printf("VCSIM_URL=https://%s/sdk\n", server.URL.Host)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}

// selfSigned makes a fresh P-256 certificate for 127.0.0.1: the simulator's built-in one has a 1024-bit RSA key,
// which OpenSSL 3 (curl, Node) rejects as too weak, so verification could only be skipped.
func selfSigned() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatalf("vcsim: key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "vcsim"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		log.Fatalf("vcsim: certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
