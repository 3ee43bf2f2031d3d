export { GoToMeetingUser, type GoToMeetingUserArgs } from "./resource";
export { goToMeetingUserProvider } from "./provider";
export type { GoToMeetingUserOutputs } from "./user";
export type { GoToMeetingUserInputs } from "../../model/goToUser";
export { validateGoToUser } from "../../model/goToUser";
