using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrandChallenge.Domain.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddChallengesAndEvaluations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BannerBlobKey",
                table: "Challenges",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "CreatorId",
                table: "Challenges",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LogoBlobKey",
                table: "Challenges",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RegistrationHandling",
                table: "Challenges",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "ChallengePages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Slug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ContentMarkdown = table.Column<string>(type: "TEXT", nullable: false),
                    Visibility = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Order = table.Column<int>(type: "INTEGER", nullable: false),
                    Hidden = table.Column<bool>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChallengePages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChallengePages_Challenges_ChallengeId",
                        column: x => x.ChallengeId,
                        principalTable: "Challenges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ChallengeRequests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ShortName = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: false),
                    ContactEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReviewNote = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChallengeRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ChallengeRequests_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Notifications",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Link = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Read = table.Column<bool>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notifications", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Notifications_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Phases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Slug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SubmissionKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Public = table.Column<bool>(type: "INTEGER", nullable: false),
                    ParentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OpenAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CloseAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SubmissionLimit = table.Column<int>(type: "INTEGER", nullable: false),
                    SubmissionLimitPeriodDays = table.Column<int>(type: "INTEGER", nullable: true),
                    LimitPerTeam = table.Column<bool>(type: "INTEGER", nullable: false),
                    SubmissionPageMarkdown = table.Column<string>(type: "TEXT", nullable: false),
                    SupplementaryFileChoice = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SupplementaryUrlChoice = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CommentChoice = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ShowParticipantLogs = table.Column<bool>(type: "INTEGER", nullable: false),
                    ScoreTitle = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ScorePath = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    ScoreErrorPath = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    ScoreOrder = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ScoreDecimalPlaces = table.Column<int>(type: "INTEGER", nullable: false),
                    ExtraResultColumns = table.Column<string>(type: "TEXT", nullable: false),
                    ScoringMethod = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ResultDisplay = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    AutoPublishNewResults = table.Column<bool>(type: "INTEGER", nullable: false),
                    EvaluationTimeLimitSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    EvaluationMemoryGb = table.Column<int>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Phases", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Phases_Challenges_ChallengeId",
                        column: x => x.ChallengeId,
                        principalTable: "Challenges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Phases_Phases_ParentId",
                        column: x => x.ParentId,
                        principalTable: "Phases",
                        principalColumn: "Id");
                });

            migrationBuilder.CreateTable(
                name: "RegistrationQuestions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    QuestionText = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    HelpText = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    SchemaJson = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: false),
                    Required = table.Column<bool>(type: "INTEGER", nullable: false),
                    Order = table.Column<int>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RegistrationQuestions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RegistrationQuestions_Challenges_ChallengeId",
                        column: x => x.ChallengeId,
                        principalTable: "Challenges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RegistrationRequests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RegistrationRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RegistrationRequests_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_RegistrationRequests_Challenges_ChallengeId",
                        column: x => x.ChallengeId,
                        principalTable: "Challenges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Teams",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Department = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Institution = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Website = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Teams", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Teams_AspNetUsers_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Teams_Challenges_ChallengeId",
                        column: x => x.ChallengeId,
                        principalTable: "Challenges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "GroundTruths",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PhaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Filename = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    BlobKey = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    FileCount = table.Column<int>(type: "INTEGER", nullable: false),
                    IsDesiredVersion = table.Column<bool>(type: "INTEGER", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GroundTruths", x => x.Id);
                    table.ForeignKey(
                        name: "FK_GroundTruths_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_GroundTruths_Phases_PhaseId",
                        column: x => x.PhaseId,
                        principalTable: "Phases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RegistrationAnswers",
                columns: table => new
                {
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    QuestionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AnswerJson = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RegistrationAnswers", x => new { x.RequestId, x.QuestionId });
                    table.ForeignKey(
                        name: "FK_RegistrationAnswers_RegistrationQuestions_QuestionId",
                        column: x => x.QuestionId,
                        principalTable: "RegistrationQuestions",
                        principalColumn: "Id");
                    table.ForeignKey(
                        name: "FK_RegistrationAnswers_RegistrationRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "RegistrationRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Submissions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PhaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PredictionsValueId = table.Column<long>(type: "INTEGER", nullable: true),
                    PredictionsFilename = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    PredictionsSizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    SupplementaryUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    SupplementaryFileBlobKey = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    SupplementaryFilename = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Submissions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Submissions_AspNetUsers_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Submissions_Phases_PhaseId",
                        column: x => x.PhaseId,
                        principalTable: "Phases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Submissions_SocketValues_PredictionsValueId",
                        column: x => x.PredictionsValueId,
                        principalTable: "SocketValues",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Submissions_Teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "Teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "TeamInvitations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InvitedById = table.Column<Guid>(type: "TEXT", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamInvitations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TeamInvitations_AspNetUsers_InvitedById",
                        column: x => x.InvitedById,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id");
                    table.ForeignKey(
                        name: "FK_TeamInvitations_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_TeamInvitations_Teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "Teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TeamMembers",
                columns: table => new
                {
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamMembers", x => new { x.TeamId, x.UserId });
                    table.ForeignKey(
                        name: "FK_TeamMembers_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_TeamMembers_Teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "Teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Evaluations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SubmissionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PhaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    MethodId = table.Column<Guid>(type: "TEXT", nullable: false),
                    GroundTruthId = table.Column<Guid>(type: "TEXT", nullable: true),
                    JobId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Published = table.Column<bool>(type: "INTEGER", nullable: false),
                    MetricsJson = table.Column<string>(type: "TEXT", nullable: true),
                    Rank = table.Column<int>(type: "INTEGER", nullable: false),
                    RankScore = table.Column<double>(type: "REAL", nullable: false),
                    RankPerMetric = table.Column<string>(type: "TEXT", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Modified = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Evaluations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Evaluations_ComponentJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "ComponentJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Evaluations_ContainerImages_MethodId",
                        column: x => x.MethodId,
                        principalTable: "ContainerImages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Evaluations_GroundTruths_GroundTruthId",
                        column: x => x.GroundTruthId,
                        principalTable: "GroundTruths",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Evaluations_Phases_PhaseId",
                        column: x => x.PhaseId,
                        principalTable: "Phases",
                        principalColumn: "Id");
                    table.ForeignKey(
                        name: "FK_Evaluations_Submissions_SubmissionId",
                        column: x => x.SubmissionId,
                        principalTable: "Submissions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChallengePages_ChallengeId_Order",
                table: "ChallengePages",
                columns: new[] { "ChallengeId", "Order" });

            migrationBuilder.CreateIndex(
                name: "IX_ChallengePages_ChallengeId_Slug",
                table: "ChallengePages",
                columns: new[] { "ChallengeId", "Slug" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChallengeRequests_CreatorId",
                table: "ChallengeRequests",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_ChallengeRequests_Status_Created",
                table: "ChallengeRequests",
                columns: new[] { "Status", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_GroundTruthId",
                table: "Evaluations",
                column: "GroundTruthId");

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_JobId",
                table: "Evaluations",
                column: "JobId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_MethodId",
                table: "Evaluations",
                column: "MethodId");

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_PhaseId_Created",
                table: "Evaluations",
                columns: new[] { "PhaseId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_PhaseId_Rank",
                table: "Evaluations",
                columns: new[] { "PhaseId", "Rank" });

            migrationBuilder.CreateIndex(
                name: "IX_Evaluations_SubmissionId",
                table: "Evaluations",
                column: "SubmissionId");

            migrationBuilder.CreateIndex(
                name: "IX_GroundTruths_CreatorId",
                table: "GroundTruths",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_GroundTruths_PhaseId_IsDesiredVersion",
                table: "GroundTruths",
                columns: new[] { "PhaseId", "IsDesiredVersion" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_UserId_Read_Created",
                table: "Notifications",
                columns: new[] { "UserId", "Read", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_Phases_ChallengeId_Slug",
                table: "Phases",
                columns: new[] { "ChallengeId", "Slug" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Phases_ChallengeId_Title",
                table: "Phases",
                columns: new[] { "ChallengeId", "Title" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Phases_ParentId",
                table: "Phases",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_RegistrationAnswers_QuestionId",
                table: "RegistrationAnswers",
                column: "QuestionId");

            migrationBuilder.CreateIndex(
                name: "IX_RegistrationQuestions_ChallengeId_QuestionText",
                table: "RegistrationQuestions",
                columns: new[] { "ChallengeId", "QuestionText" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RegistrationRequests_ChallengeId_UserId",
                table: "RegistrationRequests",
                columns: new[] { "ChallengeId", "UserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RegistrationRequests_UserId",
                table: "RegistrationRequests",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_CreatorId",
                table: "Submissions",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_PhaseId_CreatorId_Created",
                table: "Submissions",
                columns: new[] { "PhaseId", "CreatorId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_PhaseId_TeamId_Created",
                table: "Submissions",
                columns: new[] { "PhaseId", "TeamId", "Created" });

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_PredictionsValueId",
                table: "Submissions",
                column: "PredictionsValueId");

            migrationBuilder.CreateIndex(
                name: "IX_Submissions_TeamId",
                table: "Submissions",
                column: "TeamId");

            migrationBuilder.CreateIndex(
                name: "IX_TeamInvitations_InvitedById",
                table: "TeamInvitations",
                column: "InvitedById");

            migrationBuilder.CreateIndex(
                name: "IX_TeamInvitations_TeamId_UserId",
                table: "TeamInvitations",
                columns: new[] { "TeamId", "UserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TeamInvitations_UserId",
                table: "TeamInvitations",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_TeamMembers_ChallengeId_UserId",
                table: "TeamMembers",
                columns: new[] { "ChallengeId", "UserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TeamMembers_UserId",
                table: "TeamMembers",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_Teams_ChallengeId_Name",
                table: "Teams",
                columns: new[] { "ChallengeId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Teams_OwnerId",
                table: "Teams",
                column: "OwnerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChallengePages");

            migrationBuilder.DropTable(
                name: "ChallengeRequests");

            migrationBuilder.DropTable(
                name: "Evaluations");

            migrationBuilder.DropTable(
                name: "Notifications");

            migrationBuilder.DropTable(
                name: "RegistrationAnswers");

            migrationBuilder.DropTable(
                name: "TeamInvitations");

            migrationBuilder.DropTable(
                name: "TeamMembers");

            migrationBuilder.DropTable(
                name: "GroundTruths");

            migrationBuilder.DropTable(
                name: "Submissions");

            migrationBuilder.DropTable(
                name: "RegistrationQuestions");

            migrationBuilder.DropTable(
                name: "RegistrationRequests");

            migrationBuilder.DropTable(
                name: "Phases");

            migrationBuilder.DropTable(
                name: "Teams");

            migrationBuilder.DropColumn(
                name: "BannerBlobKey",
                table: "Challenges");

            migrationBuilder.DropColumn(
                name: "CreatorId",
                table: "Challenges");

            migrationBuilder.DropColumn(
                name: "LogoBlobKey",
                table: "Challenges");

            migrationBuilder.DropColumn(
                name: "RegistrationHandling",
                table: "Challenges");
        }
    }
}
