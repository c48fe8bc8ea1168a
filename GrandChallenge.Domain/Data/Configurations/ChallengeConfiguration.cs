using GrandChallenge.Domain.Challenges;
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
        builder.HasIndex(c => c.ShortName).IsUnique();
    }
}
