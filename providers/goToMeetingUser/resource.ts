// The GoToMeetingUser resource class: what a program declares.
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../shim";
import { goToMeetingUserProvider } from "./provider";

export interface GoToMeetingUserArgs {
  /**
   * The user's e-mail address, GoTo's userName (at most 128 characters). A new user's domain must
   * be one of the organisation's verified domains. Changing it in the program (other than its case)
   * replaces the user, since it is a different person; a rename made in GoTo's admin center is
   * drift, and `pulumi up` renames the user back.
   */
  userName: pulumi.Input<string>;
  /** Given name, at most 60 characters. */
  givenName: pulumi.Input<string>;
  /** Family name, at most 60 characters. */
  familyName: pulumi.Input<string>;
  /** Display name. Default: not managed; GoTo derives it from the names. */
  displayName?: pulumi.Input<string>;
  /** ISO-639 language with an optional ISO-3166 region, e.g. `en_US`. Default: not managed (GoTo's default). */
  locale?: pulumi.Input<string>;
  /** IANA time zone name, e.g. `Europe/Berlin`. Default: not managed (GoTo's default). */
  timezone?: pulumi.Input<string>;
  /**
   * Take over a user that already exists with this userName (create answers 409) and bring it to
   * the declared values. Dynamic resources cannot be imported, so this is the only way to manage a
   * user created elsewhere. Default false: an existing user is an error.
   */
  adoptExisting?: pulumi.Input<boolean>;
  /**
   * GoTo product licences the user must hold (a user created through the identity API holds none,
   * so it cannot host meetings), as the account's licence keys written as strings of digits, e.g.
   * `["7902142105473202120"]` (they exceed JavaScript's exact integers). Assigned through GoTo's
   * Admin API (settings gotoAdminApiUrl, gotoAccountKey). Licences are only added: removing one
   * from the list is refused, since GoTo documents no call for it (do it in GoTo's admin center).
   * Default: licences are not managed.
   */
  licenseKeys?: pulumi.Input<pulumi.Input<string>[]>;
}

// Serialized into the state instead of goToMeetingUserProvider itself (see providers/shim.ts);
// exported so the secrets test serializes exactly what `__provider` holds.
export const goToMeetingUserShim = providerShim(
  goToMeetingUserProvider,
  "providers/goToMeetingUser/provider",
  "goToMeetingUserProvider",
);

/**
 * A GoToMeeting organisation user, provisioned directly through GoTo's identity API (for users that
 * Entra provisioning does not cover, such as service or pilot accounts).
 */
export class GoToMeetingUser extends pulumi.dynamic.Resource {
  declare readonly userKey: pulumi.Output<string>;
  declare readonly userName: pulumi.Output<string>;
  declare readonly givenName: pulumi.Output<string>;
  declare readonly familyName: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly locale: pulumi.Output<string>;
  declare readonly timezone: pulumi.Output<string>;
  declare readonly adoptExisting: pulumi.Output<boolean>;
  declare readonly created: pulumi.Output<string>;
  /** The userName the program declared at the last create or update (tells drift from a rename). */
  declare readonly declaredUserName: pulumi.Output<string>;
  /** Licence keys this resource assigned (when licenseKeys is declared). */
  declare readonly licenseKeys: pulumi.Output<string[] | undefined>;
  /** The user's key in GoTo's Admin API, once licences were assigned (a large integer, as a string). */
  declare readonly adminUserKey: pulumi.Output<string | undefined>;

  constructor(name: string, args: GoToMeetingUserArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      goToMeetingUserShim,
      name,
      {
        displayName: undefined,
        locale: undefined,
        timezone: undefined,
        adoptExisting: undefined,
        licenseKeys: undefined,
        ...args,
        userKey: undefined,
        created: undefined,
        declaredUserName: undefined,
        adminUserKey: undefined,
      },
      opts,
      "gotomeeting",
      "GoToMeetingUser",
    );
  }
}
