// GoToMeeting accounts held in code, outside Entra's provisioning (break-glass admins, rooms, contractors).
import * as pulumi from "@pulumi/pulumi";
import type { GoToUserConfig } from "../config/schema";
import { GoToMeetingUser } from "./goToMeetingUser";

export interface GoToMeetingUsersArgs {
  /** Validated `gotoUsers` entries; userNames are unique (case-insensitive). */
  users: GoToUserConfig[];
}

export class GoToMeetingUsers extends pulumi.ComponentResource {
  /** userName → GoTo user key. */
  public readonly userKeys: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GoToMeetingUsersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gotomeeting-provisioning:index:GoToMeetingUsers", name, {}, opts);
    const keys: Record<string, pulumi.Output<string>> = {};
    for (const u of args.users) {
      // Named after the userName, not the list position, so reordering never replaces a user.
      const slug = u.userName.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      const user = new GoToMeetingUser(`${name}-${slug}`, u, { parent: this });
      keys[u.userName] = user.userKey;
    }
    this.userKeys = pulumi.output(keys);
    this.registerOutputs({ userKeys: this.userKeys });
  }
}
