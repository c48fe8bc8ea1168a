using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class ChallengeConfiguration : IEntityTypeConfiguration<Challenge>
{
    public void Configure(EntityTypeBuilder<Challenge> builder)
    {
        builder.Property(c => c.ShortName).HasMaxLength(50);
        builder.Property(c => c.Title).HasMaxLength(200);
        builder.Property(c => c.ContactEmail).HasMaxLength(254);
        builder.Property(c => c.RegistrationHandling).HasConversion<string>().HasMaxLength(32);
        builder.Property(c => c.LogoBlobKey).HasMaxLength(300);
        builder.Property(c => c.BannerBlobKey).HasMaxLength(300);
        // CreatorId has no foreign key: SQL Server refuses the second cascade path (user → challenge → requests) it would add.
        builder.HasIndex(c => c.ShortName).IsUnique();
    }
}

public sealed class ChallengeRequestConfiguration : IEntityTypeConfiguration<ChallengeRequest>
{
    public void Configure(EntityTypeBuilder<ChallengeRequest> builder)
    {
        builder.Property(r => r.ShortName).HasMaxLength(50);
        builder.Property(r => r.Title).HasMaxLength(200);
        builder.Property(r => r.ContactEmail).HasMaxLength(254);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.ReviewNote).HasMaxLength(2000);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(r => r.CreatorId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.Status, r.Created });
    }
}

public sealed class ChallengePageConfiguration : IEntityTypeConfiguration<ChallengePage>
{
    public void Configure(EntityTypeBuilder<ChallengePage> builder)
    {
        builder.Property(p => p.Slug).HasMaxLength(64);
        builder.Property(p => p.Title).HasMaxLength(64);
        builder.Property(p => p.Visibility).HasConversion<string>().HasMaxLength(32);
        builder.HasOne<Challenge>().WithMany().HasForeignKey(p => p.ChallengeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => new { p.ChallengeId, p.Slug }).IsUnique();
        builder.HasIndex(p => new { p.ChallengeId, p.Order });
    }
}

public sealed class RegistrationRequestConfiguration : IEntityTypeConfiguration<RegistrationRequest>
{
    public void Configure(EntityTypeBuilder<RegistrationRequest> builder)
    {
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.HasOne<Challenge>().WithMany().HasForeignKey(r => r.ChallengeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.ChallengeId, r.UserId }).IsUnique();
        builder.HasMany(r => r.Answers).WithOne().HasForeignKey(a => a.RequestId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class RegistrationQuestionConfiguration : IEntityTypeConfiguration<RegistrationQuestion>
{
    public void Configure(EntityTypeBuilder<RegistrationQuestion> builder)
    {
        builder.Property(q => q.QuestionText).HasMaxLength(200);
        builder.Property(q => q.HelpText).HasMaxLength(1000);
        builder.Property(q => q.SchemaJson).HasMaxLength(10_000);
        builder.HasOne<Challenge>().WithMany().HasForeignKey(q => q.ChallengeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(q => new { q.ChallengeId, q.QuestionText }).IsUnique();
    }
}

public sealed class RegistrationAnswerConfiguration : IEntityTypeConfiguration<RegistrationAnswer>
{
    public void Configure(EntityTypeBuilder<RegistrationAnswer> builder)
    {
        builder.HasKey(a => new { a.RequestId, a.QuestionId });
        builder.Property(a => a.AnswerJson).HasMaxLength(10_000);
        // Client cascade: the database already reaches answers from the challenge through requests (one cascade path for SQL Server).
        builder.HasOne<RegistrationQuestion>().WithMany().HasForeignKey(a => a.QuestionId).OnDelete(DeleteBehavior.ClientCascade);
    }
}

public sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(32);
        builder.Property(t => t.Department).HasMaxLength(200);
        builder.Property(t => t.Institution).HasMaxLength(200);
        builder.Property(t => t.Website).HasMaxLength(500);
        builder.HasOne<Challenge>().WithMany().HasForeignKey(t => t.ChallengeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(t => t.OwnerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(t => new { t.ChallengeId, t.Name }).IsUnique();
        builder.HasMany(t => t.Members).WithOne().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class TeamMemberConfiguration : IEntityTypeConfiguration<TeamMember>
{
    public void Configure(EntityTypeBuilder<TeamMember> builder)
    {
        builder.HasKey(m => new { m.TeamId, m.UserId });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(m => new { m.ChallengeId, m.UserId }).IsUnique();
    }
}

public sealed class TeamInvitationConfiguration : IEntityTypeConfiguration<TeamInvitation>
{
    public void Configure(EntityTypeBuilder<TeamInvitation> builder)
    {
        builder.HasOne<Team>().WithMany().HasForeignKey(i => i.TeamId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(i => i.InvitedById).OnDelete(DeleteBehavior.NoAction);
        builder.HasIndex(i => new { i.TeamId, i.UserId }).IsUnique();
    }
}
