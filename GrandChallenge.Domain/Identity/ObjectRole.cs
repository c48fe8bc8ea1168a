using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Identity;

/// <summary>
/// The one object-level permission record: a user, or every member of a group, holds
/// <see cref="Role"/> on the object <see cref="ObjectKind"/>/<see cref="ObjectId"/>.
/// Exactly one of <see cref="UserId"/> and <see cref="GroupId"/> is set.
/// </summary>
public class ObjectRole : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string ObjectKind { get; set; }
    public Guid ObjectId { get; set; }
    public required string Role { get; set; }
    public Guid? UserId { get; set; }
    public Guid? GroupId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

public class UserGroup : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public List<UserGroupMember> Members { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

public class UserGroupMember
{
    public Guid GroupId { get; set; }
    public Guid UserId { get; set; }
}
