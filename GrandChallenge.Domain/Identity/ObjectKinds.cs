namespace GrandChallenge.Domain.Identity;

/// <summary>The kinds of object that carry object-level roles, and the roles each kind knows.</summary>
public static class ObjectKinds
{
    public const string Challenge = "challenge";
    public const string Algorithm = "algorithm";
    public const string Archive = "archive";
    public const string ReaderStudy = "reader-study";
    public const string Workstation = "workstation";

    public static readonly IReadOnlyDictionary<string, string[]> Roles = new Dictionary<string, string[]>
    {
        [Challenge] = [ObjectRoles.Admin, ObjectRoles.Participant],
        [Algorithm] = [ObjectRoles.Editor, ObjectRoles.User],
        [Archive] = [ObjectRoles.Editor, ObjectRoles.Uploader, ObjectRoles.User],
        [ReaderStudy] = [ObjectRoles.Editor, ObjectRoles.Reader],
        [Workstation] = [ObjectRoles.Editor, ObjectRoles.User],
    };

    public static bool IsValid(string kind, string role) =>
        Roles.TryGetValue(kind, out var roles) && roles.Contains(role);
}

public static class ObjectRoles
{
    public const string Admin = "admin";
    public const string Participant = "participant";
    public const string Editor = "editor";
    public const string User = "user";
    public const string Uploader = "uploader";
    public const string Reader = "reader";
}
