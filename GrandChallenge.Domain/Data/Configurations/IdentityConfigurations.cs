using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.Property(t => t.TokenHash).HasMaxLength(64);
        builder.Property(t => t.Prefix).HasMaxLength(16);
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ObjectRoleConfiguration : IEntityTypeConfiguration<ObjectRole>
{
    public void Configure(EntityTypeBuilder<ObjectRole> builder)
    {
        builder.Property(r => r.ObjectKind).HasMaxLength(32);
        builder.Property(r => r.Role).HasMaxLength(32);
        builder.HasIndex(r => new { r.ObjectKind, r.ObjectId, r.Role, r.UserId }).IsUnique();
        builder.HasIndex(r => new { r.ObjectKind, r.ObjectId, r.Role, r.GroupId }).IsUnique();
        builder.HasIndex(r => new { r.UserId, r.ObjectKind });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<UserGroup>().WithMany().HasForeignKey(r => r.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.ToTable(t => t.HasCheckConstraint("CK_ObjectRole_OneHolder",
            "(\"UserId\" IS NULL AND \"GroupId\" IS NOT NULL) OR (\"UserId\" IS NOT NULL AND \"GroupId\" IS NULL)"));
    }
}

public sealed class UserGroupConfiguration : IEntityTypeConfiguration<UserGroup>
{
    public void Configure(EntityTypeBuilder<UserGroup> builder)
    {
        builder.Property(g => g.Name).HasMaxLength(150);
        builder.HasIndex(g => g.Name).IsUnique();
        builder.HasMany(g => g.Members).WithOne().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class UserGroupMemberConfiguration : IEntityTypeConfiguration<UserGroupMember>
{
    public void Configure(EntityTypeBuilder<UserGroupMember> builder)
    {
        builder.HasKey(m => new { m.GroupId, m.UserId });
        builder.HasIndex(m => m.UserId);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
