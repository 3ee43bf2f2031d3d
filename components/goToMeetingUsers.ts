// GoToMeeting accounts held in code, outside Entra's provisioning (break-glass admins, rooms, contractors).
import * as pulumi from "@pulumi/pulumi";
import type { GoToMeetingUserInputs } from "../model/goToUser";
import { ambiguousLegacyFragments, legacyFragment, nameFragment } from "../model/names";
import { GoToMeetingUser } from "../providers/goToMeetingUser";
import { childOptions } from "./options";

export interface GoToMeetingUserEntry extends GoToMeetingUserInputs {
  /** Keep this user in GoTo when it leaves the program (Pulumi's retainOnDelete for this one
   *  user). Default: the component's own `retainOnDelete` option, else false. */
  retainOnDelete?: boolean;
}

export interface GoToMeetingUsersArgs {
  /** The users; userNames must be unique (case-insensitive). */
  users: GoToMeetingUserEntry[];
}

export class GoToMeetingUsers extends pulumi.ComponentResource {
  /** userName → GoTo user key. */
  public readonly userKeys: pulumi.Output<Record<string, string>>;
  public readonly users: GoToMeetingUser[];

  /**
   * `opts.retainOnDelete: true` keeps every user in GoTo when the resource leaves the program
   * (GoTo's DELETE removes a user from the organisation); an entry's own `retainOnDelete` wins.
   */
  constructor(name: string, args: GoToMeetingUsersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gotomeeting-provisioning:index:GoToMeetingUsers", name, {}, opts);
    const seen = new Set<string>();
    for (const u of args.users) {
      const key = u.userName.toLowerCase();
      if (seen.has(key)) {
        throw new Error(
          `GoToMeetingUsers ${name}: userName "${u.userName}" is declared twice; userNames are unique (case-insensitive)`,
        );
      }
      seen.add(key);
    }
    const ambiguous = ambiguousLegacyFragments(args.users.map((u) => u.userName));
    const keys: Record<string, pulumi.Output<string>> = {};
    this.users = args.users.map(({ retainOnDelete, ...inputs }) => {
      // Named after the userName, not the list position, so reordering never replaces a user.
      const childName = `${name}-${nameFragment(inputs.userName)}`;
      const legacy = `${name}-${legacyFragment(inputs.userName)}`;
      const aliases =
        legacy !== childName && !ambiguous.has(legacyFragment(inputs.userName))
          ? [{ name: legacy }]
          : [];
      const user = new GoToMeetingUser(
        childName,
        inputs,
        childOptions(this, opts, {
          ...(retainOnDelete !== undefined ? { retainOnDelete } : {}),
          ...(aliases.length ? { aliases } : {}),
        }),
      );
      keys[inputs.userName] = user.userKey;
      return user;
    });
    this.userKeys = pulumi.output(keys);
    this.registerOutputs({ userKeys: this.userKeys });
  }
}
