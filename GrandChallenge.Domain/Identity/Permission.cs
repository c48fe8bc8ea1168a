namespace GrandChallenge.Domain.Identity;

/// <summary>An action on one kind of object, granted by any of <see cref="GrantedTo"/>; site admins hold every permission.</summary>
public sealed record Permission(string Kind, string Name, params string[] GrantedTo);

public static class Permissions
{
    public static readonly Permission ChangeChallenge = new(ObjectKinds.Challenge, "change", ObjectRoles.Admin);
    public static readonly Permission ParticipateInChallenge = new(ObjectKinds.Challenge, "participate", ObjectRoles.Admin, ObjectRoles.Participant);

    public static readonly Permission ChangeAlgorithm = new(ObjectKinds.Algorithm, "change", ObjectRoles.Editor);
    public static readonly Permission ExecuteAlgorithm = new(ObjectKinds.Algorithm, "execute", ObjectRoles.Editor, ObjectRoles.User);

    public static readonly Permission ChangeArchive = new(ObjectKinds.Archive, "change", ObjectRoles.Editor);
    public static readonly Permission UploadToArchive = new(ObjectKinds.Archive, "upload", ObjectRoles.Editor, ObjectRoles.Uploader);
    public static readonly Permission ViewArchive = new(ObjectKinds.Archive, "view", ObjectRoles.Editor, ObjectRoles.Uploader, ObjectRoles.User);

    public static readonly Permission ChangeReaderStudy = new(ObjectKinds.ReaderStudy, "change", ObjectRoles.Editor);
    public static readonly Permission ReadReaderStudy = new(ObjectKinds.ReaderStudy, "read", ObjectRoles.Editor, ObjectRoles.Reader);

    public static readonly Permission ChangeWorkstation = new(ObjectKinds.Workstation, "change", ObjectRoles.Editor);
    public static readonly Permission UseWorkstation = new(ObjectKinds.Workstation, "use", ObjectRoles.Editor, ObjectRoles.User);
}
