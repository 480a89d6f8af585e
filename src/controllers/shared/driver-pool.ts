import type { HypervisorSpec } from '../../api/hypervisor.ts';
import type { DriverConnection, DriverContext, DriverFactory, HypervisorDriver } from '../../drivers/port.ts';
import { jsonEqual } from '../../runtime/merge-patch.ts';

/** Reads the Secret a Hypervisor names; undefined when it does not exist. */
export type SecretReader = (ref: {
  namespace: string;
  name: string;
}) => Promise<Readonly<Record<string, string>> | undefined>;

/** The Hypervisor's credentials Secret is missing: a user error the Hypervisor's status reports. */
export class CredentialsNotFoundError extends Error {
  override name = 'CredentialsNotFoundError';
}

interface Entry {
  /** The spec the driver was built from, to notice a changed one without reading the Secret. */
  spec: HypervisorSpec;
  connection: DriverConnection;
  driver: HypervisorDriver;
}

/**
 * One driver per Hypervisor, built from its spec and credentials and reused by every controller, so the
 * hypervisor sees one connection per host rather than one per reconcile. A changed spec or rotated credentials
 * replace the driver (the old one is closed).
 *
 * Credentials are read from the Secret named by spec.credentialsSecretRef, and only from it.
 */
export class DriverPool {
  readonly #factory: DriverFactory;
  readonly #readSecret: SecretReader;
  readonly #context: DriverContext;
  readonly #entries = new Map<string, Entry>();
  readonly #building = new Map<string, Promise<void>>();

  /** `context` goes to every driver built (e.g. the operator's snapshot task journal). */
  constructor(options: { factory: DriverFactory; readSecret: SecretReader; context?: DriverContext }) {
    this.#factory = options.factory;
    this.#readSecret = options.readSecret;
    this.#context = options.context ?? {};
  }

  /**
   * The driver for Hypervisor `name`. With `refreshCredentials`, the Secret is read again and a changed one
   * rebuilds the driver (the Hypervisor reconciler does this on each probe); otherwise a cached driver for the
   * same spec is returned without reading anything.
   */
  async driverFor(
    name: string,
    spec: HypervisorSpec,
    options: { refreshCredentials?: boolean } = {},
  ): Promise<HypervisorDriver> {
    const cached = this.#entries.get(name);
    if (cached && !options.refreshCredentials && jsonEqual(cached.spec, spec)) return cached.driver;
    return this.#oneAtATime(name, () => this.#build(name, spec, options.refreshCredentials ?? false));
  }

  async #build(name: string, spec: HypervisorSpec, refreshCredentials: boolean): Promise<HypervisorDriver> {
    const cached = this.#entries.get(name);
    // A build that ran while this one waited may have made exactly this driver.
    if (cached && !refreshCredentials && jsonEqual(cached.spec, spec)) return cached.driver;
    const connection = await this.#connection(spec);
    if (cached && jsonEqual(cached.connection, connection)) {
      cached.spec = spec;
      return cached.driver;
    }
    const driver = this.#factory(connection, this.#context);
    this.#entries.set(name, { spec, connection, driver });
    if (cached) await closeQuietly(cached.driver);
    return driver;
  }

  /**
   * Runs builds for one Hypervisor one after the other: two reconciles asking at once for a driver that is not
   * cached yet must not build two (and leak the one that loses).
   */
  #oneAtATime<T>(name: string, build: () => Promise<T>): Promise<T> {
    const previous = this.#building.get(name) ?? Promise.resolve();
    const next = previous.then(build, build);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#building.set(name, settled);
    void settled.then(() => {
      if (this.#building.get(name) === settled) this.#building.delete(name);
    });
    return next;
  }

  /** Closes and forgets the driver of a Hypervisor that was deleted. */
  async remove(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    await closeQuietly(entry.driver);
  }

  async close(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((entry) => closeQuietly(entry.driver)));
  }

  async #connection(spec: HypervisorSpec): Promise<DriverConnection> {
    const base: DriverConnection = {
      driver: spec.driver,
      uri: spec.uri,
      ...(spec.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
    };
    const ref = spec.credentialsSecretRef;
    if (!ref) return base;
    const credentials = await this.#readSecret(ref);
    if (!credentials) {
      throw new CredentialsNotFoundError(
        `credentials Secret "${ref.namespace}/${ref.name}" (spec.credentialsSecretRef) not found`,
      );
    }
    return { ...base, credentials };
  }
}

async function closeQuietly(driver: HypervisorDriver): Promise<void> {
  try {
    await driver.close();
  } catch {
    // A driver that fails to close has nothing left we could release.
  }
}
