// One stack's tenant: the Graph fake (Entra directory + synchronization API) and the GoTo fake,
// seeded with the gallery apps and the principals the stack assigns, plus the "portal": a thin
// forwarder in front of the Graph fake for the azuread stand-in. It passes every request through
// unchanged; when an app is instantiated it registers the GoToMeeting admin account as one GoTo
// accepts (GraphFake.setValidCredentials), since in a real tenant that account exists in GoTo before
// anyone clicks Test Connection, and the fake can only learn it per service principal.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { GraphFake, galleryApplicationTemplate } from "../fakes/graphFake";
import { GoToFake } from "../fakes/gotoFake";

export interface DirectorySeed {
  /** UPNs or object ids of users to create. */
  users: string[];
  /** Display names or object ids of groups to create. */
  groups: string[];
}

export interface TenantOptions {
  graphToken: string;
  gotoToken: string;
  directory: DirectorySeed;
  /** The GoToMeeting admin account GoTo accepts (connector gotomeeting). */
  adminCredentials?: { userName: string; password: string };
  verifiedDomains: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Tenant {
  /** Service principals instantiated through the portal forwarder, in order. */
  readonly instantiated: string[] = [];

  private constructor(
    readonly graph: GraphFake,
    readonly goto: GoToFake,
    private readonly forwarder: http.Server,
    /** Graph base URL for the azuread stand-in (the forwarder), e.g. http://127.0.0.1:P/v1.0. */
    readonly standinGraphUrl: string,
  ) {}

  static async start(options: TenantOptions): Promise<Tenant> {
    const graph = await GraphFake.start({ token: options.graphToken });
    const goto = await GoToFake.start({
      token: options.gotoToken,
      verifiedDomains: options.verifiedDomains,
    });
    for (const connector of ["gotomeeting", "goto"] as const) {
      // A "User" role next to msiam_access, as the tutorial's assignments expect.
      graph.addApplicationTemplate(
        galleryApplicationTemplate(connector, { appRoles: { userRole: { value: "User" } } }),
      );
    }
    for (const u of options.directory.users) {
      if (GUID.test(u))
        graph.addUser({ id: u, userPrincipalName: `user-${u.slice(0, 8)}@contoso.com` });
      else {
        const [given, sur] = u.split("@")[0].split(".");
        graph.addUser({
          userPrincipalName: u,
          givenName: cap(given),
          surname: sur ? cap(sur) : null,
        });
      }
    }
    for (const g of options.directory.groups) {
      if (GUID.test(g)) graph.addGroup({ id: g, displayName: `group-${g.slice(0, 8)}` });
      else graph.addGroup({ displayName: g });
    }

    const target = new URL(graph.url);
    const tenant: { ref?: Tenant } = {};
    const forwarder = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) {
            if (typeof v === "string" && !["host", "connection", "content-length"].includes(k))
              headers[k] = v;
          }
          const answer = await fetch(`${target.origin}${req.url ?? "/"}`, {
            method: req.method,
            headers,
            body: body.length > 0 ? body : undefined,
          });
          const text = Buffer.from(await answer.arrayBuffer());
          if (
            req.method === "POST" &&
            /^\/v1\.0\/applicationTemplates\/[^/]+\/instantiate$/.test(
              (req.url ?? "").split("?")[0],
            ) &&
            answer.status === 201
          ) {
            const spId = (JSON.parse(text.toString("utf8")) as { servicePrincipal: { id: string } })
              .servicePrincipal.id;
            tenant.ref?.instantiated.push(spId);
            if (options.adminCredentials) {
              graph.setValidCredentials(spId, {
                UserName: options.adminCredentials.userName,
                Password: options.adminCredentials.password,
              });
            }
          }
          const out: Record<string, string> = {};
          answer.headers.forEach((v, k) => {
            if (!["transfer-encoding", "connection", "content-encoding"].includes(k)) out[k] = v;
          });
          out["content-length"] = String(text.length);
          res.writeHead(answer.status, out);
          res.end(text);
        })().catch((err: unknown) => {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`portal forwarder: ${(err as Error).message}`);
        });
      });
    });
    await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
    const port = (forwarder.address() as AddressInfo).port;
    const t = new Tenant(graph, goto, forwarder, `http://127.0.0.1:${port}/v1.0`);
    tenant.ref = t;
    return t;
  }

  /** GET on the Graph fake as an admin would look (the fake's own HTTP answer). */
  async graphGet<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.graph.url}${path}`, {
      headers: { authorization: `Bearer ${this.graph.token}` },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Service principals with this display name (the Graph fake's list). */
  async servicePrincipalsNamed(displayName: string): Promise<{ id: string; appId: string }[]> {
    const filter = encodeURIComponent(`displayName eq '${displayName.replace(/'/g, "''")}'`);
    const r = await this.graphGet<{ value: { id: string; appId: string }[] }>(
      `/servicePrincipals?$filter=${filter}`,
    );
    if (r.status !== 200) throw new Error(`GET /servicePrincipals answered ${r.status}`);
    return r.body.value;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.forwarder.close(() => resolve()));
    this.forwarder.closeAllConnections();
    await Promise.all([this.graph.stop(), this.goto.stop()]);
  }
}

function cap(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
